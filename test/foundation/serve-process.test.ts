import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../helpers/databases.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';
import { runCli, startServeProcess } from '../helpers/processes.js';

const KEY = Buffer.alloc(32, 9).toString('base64');
const dbs: TestDatabase[] = [];
async function freshDb(dialect: 'sqlite' | 'postgres') {
  const db = await createTestDatabase(dialect);
  dbs.push(db);
  return db;
}
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

describe('pcbridge serve on SQLite, as a new user starts it', () => {
  it('generates an admin token (printed once) and a 0600 secret key, and refuses another key later', async () => {
    const db = await freshDb('sqlite');
    // The data folder does not exist yet, as on a fresh clone.
    const dataDir = join(db.dir, 'data');
    const env = { DATABASE_URL: `sqlite:${join(dataDir, 'pcbridge.db')}`, PCBRIDGE_ADMIN_TOKEN: undefined, PCBRIDGE_SECRET_KEY: undefined };
    const first = await startServeProcess(env);
    const token = /Admin token \(shown once, keep it\): (pcb_admin_\S+)/.exec(first.output())?.[1];
    expect(token).toBeDefined();
    const health = await fetch(`${first.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    const apps = await fetch(`${first.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(apps.status).toBe(200);
    expect((await first.stop('SIGTERM')).code).toBe(0);

    const keyFile = join(dataDir, 'secret.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    // The database keeps the token's hash only.
    const raw = readdirSync(dataDir)
      .filter((f) => f.startsWith('pcbridge.db'))
      .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
      .join('');
    expect(raw).not.toContain(token!);

    const second = await startServeProcess(env);
    expect(second.output()).not.toContain('Admin token');
    const again = await fetch(`${second.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    await second.stop();

    const otherKey = await runCli(['serve', '--port', '0'], { ...env, PCBRIDGE_SECRET_KEY: KEY });
    expect(otherKey.code).toBe(2);
    expect(otherKey.stderr).toMatch(/PCBRIDGE_SECRET_KEY: does not match the key this database was created with/);
  });

  it('keeps the admin token for the first `serve` when a CLI command made the database (a token nobody saw would lock the user out)', async () => {
    const db = await freshDb('sqlite');
    const env = { DATABASE_URL: `sqlite:${join(db.dir, 'fresh', 'pcbridge.db')}`, PCBRIDGE_ADMIN_TOKEN: undefined, PCBRIDGE_SECRET_KEY: undefined };
    const created = await runCli(['apps', 'create', '--name', 'First', '--secret', 'made-before-serve'], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).not.toContain('Admin token');
    const server = await startServeProcess(env);
    try {
      const token = /Admin token \(shown once, keep it\): (pcb_admin_\S+)/.exec(server.output())?.[1];
      expect(token).toBeDefined();
      const apps = await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
      expect(apps.status).toBe(200);
      expect(((await apps.json()) as { items: { name: string }[] }).items.map((a) => a.name)).toEqual(['First']);
    } finally {
      await server.stop();
    }
  });

  it('replaces a generated admin token with `admin-token reset`, and refuses when the token comes from the environment', async () => {
    const db = await freshDb('sqlite');
    const env = { DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: undefined };
    const server = await startServeProcess(env);
    const oldToken = /Admin token \(shown once, keep it\): (\S+)/.exec(server.output())![1]!;
    const reset = await runCli(['admin-token', 'reset'], env);
    expect(reset.code).toBe(0);
    const newToken = /New admin token \(shown once, keep it\): (\S+)/.exec(reset.stdout)![1]!;
    expect(newToken).not.toBe(oldToken);
    // The running server picks the new token up within seconds.
    await new Promise((r) => setTimeout(r, 2200));
    expect((await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${newToken}` } })).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/api/v1/apps`, { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    await server.stop();

    const fromEnv = await runCli(['admin-token', 'reset'], { ...env, PCBRIDGE_ADMIN_TOKEN: 'an-admin-token-from-env' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/PCBRIDGE_ADMIN_TOKEN/);
  });

  it('creates and lists apps from the CLI, acting on the database directly', async () => {
    const db = await freshDb('sqlite');
    const env = { DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: 'cli-admin-token-123456', PCBRIDGE_SECRET_KEY: KEY };
    const created = await runCli(['apps', 'create', '--name', 'Shop', '--secret', 'shh-its-secret', '--json'], env);
    expect(created.code).toBe(0);
    const app = JSON.parse(created.stdout) as { id: string; sdkKey: string };
    const list = await runCli(['apps', 'list'], env);
    expect(list.stdout).toContain(`${app.id}\tShop\t/webhooks/purchasely/${app.id}`);
    expect(list.stdout).not.toContain('shh-its-secret');
    const missing = await runCli(['apps', 'create', '--name', 'NoSecret'], env);
    expect(missing.code).toBe(2);
    const wrongArg = await runCli(['apps', 'create', '--bogus'], env);
    expect(wrongArg.code).toBe(2);
    const help = await runCli(['apps', 'create', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--secret');
  });

  it('finishes a request in flight on SIGTERM before exiting', async () => {
    const db = await freshDb('sqlite');
    const server = await startServeProcess({ DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: 'graceful-token-12345', PCBRIDGE_SECRET_KEY: KEY });
    // A request whose body is still arriving when SIGTERM lands must still be answered.
    const body = JSON.stringify({ name: 'Late', webhookSecret: 'in-flight-secret' });
    const url = new URL(`${server.baseUrl}/api/v1/apps`);
    const answered = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: 'Bearer graceful-token-12345', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 500);
    });
    await new Promise((r) => setTimeout(r, 150));
    const exit = server.stop('SIGTERM');
    expect(await answered).toBe(201);
    expect((await exit).code).toBe(0);
  });
});

describe('pcbridge on PostgreSQL', () => {
  it('requires the admin token and the secret key', async () => {
    const db = await freshDb('postgres');
    const noKey = await runCli(['migrate'], { DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: 'pg-admin-token-1234567' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/PCBRIDGE_SECRET_KEY/);
    const noToken = await runCli(['serve', '--port', '0'], { DATABASE_URL: db.url, PCBRIDGE_SECRET_KEY: KEY, PCBRIDGE_ADMIN_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/PCBRIDGE_ADMIN_TOKEN: is required with PostgreSQL/);
  });

  it('runs the commands that only open the database (migrate, apps, import, replay) without the admin token', async () => {
    const db = await freshDb('postgres');
    const env = { DATABASE_URL: db.url, PCBRIDGE_SECRET_KEY: KEY, PCBRIDGE_ADMIN_TOKEN: undefined };
    expect((await runCli(['migrate'], env)).code).toBe(0);
    const created = await runCli(['apps', 'create', '--name', 'Ops', '--secret', 'ops-shared-secret', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as { id: string };
    const listed = await runCli(['apps', 'list'], env);
    expect(listed.stdout).toContain(id);
    const file = join(db.dir, 'events.ndjson');
    writeFileSync(file, `${readFileSync(join(PURCHASELY_FIXTURE_DIR, 'ACTIVATE.json'), 'utf8').replace(/\s*\n\s*/g, ' ')}\n`);
    const imported = await runCli(['import', file, '--app', id], env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 1');
    const replayed = await runCli(['replay', '--app', id], env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toContain('requeued 0');
  });

  it('migrates once when several instances start at the same time', async () => {
    const db = await freshDb('postgres');
    const env = { DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: 'pg-admin-token-1234567', PCBRIDGE_SECRET_KEY: KEY };
    const results = await Promise.all([runCli(['migrate'], env), runCli(['migrate'], env), runCli(['migrate'], env)]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results.filter((r) => r.stdout.includes('applied migrations')).length).toBe(1);
    const schema = new URL(db.url).searchParams.get('schema');
    const client = new pg.Client({ connectionString: TEST_PG_URL });
    await client.connect();
    try {
      const rows = await client.query(`SELECT version, count(*)::int AS n FROM ${schema}.schema_migrations GROUP BY version`);
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const row of rows.rows) expect(row.n).toBe(1);
    } finally {
      await client.end();
    }
    const otherKey = await runCli(['migrate'], { ...env, PCBRIDGE_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(otherKey.code).toBe(2);
    expect(otherKey.stderr).toMatch(/does not match the key/);
  });
});
