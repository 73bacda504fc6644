import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dumpSchema, SCHEMA_DUMP_FILES } from '../../src/store/schema-dump.js';
import { openStore } from '../../src/store/store.js';
import { createTestDatabase, DIALECTS } from '../helpers/databases.js';
import { freshSchemaDump } from '../helpers/fresh-schema.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe.each(DIALECTS)('the committed schema dump (%s)', (dialect) => {
  it('is what the migrations build on a new database', async () => {
    const file = SCHEMA_DUMP_FILES[dialect];
    const committed = readFileSync(`${ROOT}/${file}`, 'utf8');
    const fresh = await freshSchemaDump(dialect);
    expect(fresh, `${file} differs from what the migrations build: run \`npm run schema:dump\` and commit the result`).toBe(committed);
  });

  it('shows a schema change the migrations do not make (a column, an index)', async () => {
    const database = await createTestDatabase(dialect);
    const store = openStore(database.target);
    try {
      await store.migrate();
      const before = await dumpSchema(store);
      await store.db.exec('ALTER TABLE meta ADD COLUMN extra TEXT; CREATE INDEX meta_by_extra ON meta (extra)');
      const after = await dumpSchema(store);
      expect(before).not.toContain('extra');
      expect(after).toMatch(/extra TEXT/i);
      expect(after).toContain('meta_by_extra');
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('is deterministic: two new databases give the same text', async () => {
    expect(await freshSchemaDump(dialect)).toBe(await freshSchemaDump(dialect));
  });
});
