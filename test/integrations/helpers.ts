import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AUTH, type TestContext } from '../helpers/context.js';

/** Creates an app over the API and returns its id. */
export async function createTestApp(app: FastifyInstance, name = 'Bridge test'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name, webhookSecret: 'purchasely-secret-abc123' } });
  if (res.statusCode !== 201) throw new Error(`app creation failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
}

/** Every stored byte, as text: the SQLite files, or every table of the PostgreSQL schema. */
export async function everythingStored(t: TestContext): Promise<string> {
  if (t.db.dialect === 'sqlite') {
    return readdirSync(t.db.dir)
      .filter((f) => f.startsWith('pcbridge.db'))
      .map((f) => readFileSync(join(t.db.dir, f)).toString('latin1'))
      .join('\n');
  }
  return everyRow(t);
}

/** Every row of every table, as JSON text (what a query can still read). */
export async function everyRow(t: TestContext): Promise<string> {
  const tables =
    t.db.dialect === 'sqlite'
      ? await t.ctx.store.db.all<{ table_name: string }>("SELECT name AS table_name FROM sqlite_master WHERE type = 'table'")
      : await t.ctx.store.db.all<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()');
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const rows = await t.ctx.store.db.all<Record<string, unknown>>(`SELECT * FROM ${table_name}`);
    dumps.push(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)));
  }
  return dumps.join('\n');
}
