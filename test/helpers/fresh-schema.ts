import { dumpSchema } from '../../src/store/schema-dump.js';
import { openStore } from '../../src/store/store.js';
import { createTestDatabase, type TestDialect } from './databases.js';

/** The schema dump of a new database of `dialect` after every migration (a temp SQLite file, a new PostgreSQL schema). */
export async function freshSchemaDump(dialect: TestDialect): Promise<string> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.target);
  try {
    await store.migrate();
    return await dumpSchema(store);
  } finally {
    await store.close();
    await database.drop();
  }
}
