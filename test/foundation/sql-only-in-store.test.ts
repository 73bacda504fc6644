import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSqlLiterals, scanForSql, sqlIn } from '../helpers/sql-literals.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('SQL lives only in src/store/', () => {
  it('finds SQL in string, no-substitution template and template literals', () => {
    const snippet = [
      "const a = 'SELECT id FROM apps WHERE id = ?';",
      'const b = `DELETE FROM records WHERE app_id = ?`;',
      'const c = `UPDATE events SET status = ? WHERE seq IN (${ids.join(", ")})`;',
      'const d = "insert into events (app_id) values (?)";',
      'const e = db.run(`WITH recent AS (SELECT 1) SELECT * FROM recent`);',
      "const f = q.get('SELECT pg_try_advisory_xact_lock(1, 2) AS locked');",
      'const g = `BEGIN IMMEDIATE`;',
      'const h = `outer ${`SELECT seq FROM events WHERE app_id = ${"x"}`} done`;',
      'const i = `SELECT ${COLUMNS} FROM events WHERE seq = ?`;',
    ].join('\n');
    const found = findSqlLiterals('snippet.ts', snippet);
    expect(found.map((f) => f.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(found[2]!.text).toContain('${…}');
  });

  it('leaves English prose, identifiers and log messages alone', () => {
    const snippet = [
      "throw new AppError('conflict', 'Select an app first, then delete from the list the events you do not want.');",
      "logger.info('update the settings set by the operator');",
      "const label = 'Selected events';",
      "const column = 'created_at';",
      'const msg = `With ${n} records as the batch size, delete them from CleverTap by hand.`;',
      "const help = 'Select the region your CleverTap account lives in.';",
    ].join('\n');
    expect(findSqlLiterals('prose.ts', snippet)).toEqual([]);
    expect(sqlIn('select every event')).toBeNull();
    expect(sqlIn('SELECT every FROM events')).toBe('SELECT e');
  });

  it('no .ts file under src/ outside src/store/ holds SQL in a string or template literal', () => {
    const found = scanForSql(SRC, ['store']);
    const report = found.map((f) => `  ${f.file}:${f.line}  ${f.match}…  «${f.text}»`).join('\n');
    expect(found, `SQL belongs in src/store/: move each query below behind a repository method (src/store/repos/) and reach it through the Store.\n${report}`).toEqual([]);
  });
});
