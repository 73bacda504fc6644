/**
 * Writes the schema each dialect has after every migration to `src/store/schema.<dialect>.sql`,
 * from a new database migrated from scratch (a temp SQLite file; a new schema on the test
 * PostgreSQL, `PCBRIDGE_TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test).
 *
 *   npm run schema:dump            rewrite both files
 *   npm run schema:dump -- --check exit 1 when a file differs from the migrations
 *
 * Run it after adding a migration and commit the files with it; test/foundation/schema-dump.test.ts
 * fails while they differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCHEMA_DUMP_FILES } from '../src/store/schema-dump.js';
import { DIALECTS } from '../test/helpers/databases.js';
import { freshSchemaDump } from '../test/helpers/fresh-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const check = process.argv.includes('--check');
let stale = 0;
for (const dialect of DIALECTS) {
  const file = join(ROOT, SCHEMA_DUMP_FILES[dialect]);
  const dump = await freshSchemaDump(dialect);
  let committed: string | null;
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    committed = null;
  }
  if (committed === dump) {
    process.stdout.write(`${SCHEMA_DUMP_FILES[dialect]}: up to date\n`);
  } else if (check) {
    stale++;
    process.stdout.write(`${SCHEMA_DUMP_FILES[dialect]}: differs from the migrations\n`);
  } else {
    writeFileSync(file, dump);
    process.stdout.write(`${SCHEMA_DUMP_FILES[dialect]}: written\n`);
  }
}
if (stale > 0) {
  process.stdout.write('Run `npm run schema:dump` and commit the result.\n');
  process.exitCode = 1;
}
