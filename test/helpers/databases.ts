import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parseDatabaseUrl, type DatabaseTarget } from '../../src/config.js';

/** PostgreSQL for tests; required (CI runs the suite against both stores, never skipping one). */
export const TEST_PG_URL = process.env.PCBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres'];

/** A fresh, isolated database: a temp SQLite file, or a new schema on the test PostgreSQL. */
export interface TestDatabase {
  dialect: TestDialect;
  /** DATABASE_URL for child processes. */
  url: string;
  target: DatabaseTarget;
  /** Folder for files of this test (SQLite database, secret.key). */
  dir: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: TestDialect): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-test-'));
  if (dialect === 'sqlite') {
    const url = `sqlite:${join(dir, 'pcbridge.db')}`;
    return {
      dialect,
      url,
      target: parseDatabaseUrl('DATABASE_URL', url),
      dir,
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `pcb_t_${randomBytes(6).toString('hex')}`;
  const base = new URL(TEST_PG_URL);
  base.searchParams.set('schema', schema);
  const url = base.toString();
  return {
    dialect,
    url,
    target: parseDatabaseUrl('DATABASE_URL', url),
    dir,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
