import { createServer, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_PG_URL, type TestDatabase } from '../helpers/databases.js';
import { runCli, type CliResult } from '../helpers/processes.js';

// A setting that cannot work ends the process with one line naming the variable: exit 2 when
// the setting itself is wrong (fix it; starting again will not help), exit 1 when the
// PostgreSQL server is merely not reachable now (a service manager may start it again).
const KEY = Buffer.alloc(32, 9).toString('base64');
const PASSWORD = 'pw-that-must-not-leak';
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

/** TEST_PG_URL with a password and the given changes. */
function pgUrl(change: (url: URL) => void): string {
  const url = new URL(TEST_PG_URL);
  url.password = PASSWORD;
  change(url);
  return url.toString();
}

function expectOneLine(result: CliResult, pattern: RegExp): void {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr + result.stdout).not.toContain(PASSWORD);
}

describe('a DATABASE_URL for PostgreSQL that cannot work', () => {
  const cases: { name: string; url: string; code: number; says: RegExp }[] = [
    { name: 'an unparsable URL', url: `postgres://postgres:${PASSWORD}@127.0.0.1:notaport/test`, code: 2, says: /is not a valid postgres:\/\/ URL/ },
    { name: 'a malformed %-escape in the user name', url: `postgres://post%zzgres:${PASSWORD}@127.0.0.1:5432/test`, code: 2, says: /%-escape/ },
    { name: 'an unknown host', url: pgUrl((u) => (u.hostname = 'no-such-host.invalid')), code: 2, says: /host "no-such-host\.invalid" was not found/ },
    { name: 'a wrong database', url: pgUrl((u) => (u.pathname = '/no_such_database_pcb')), code: 2, says: /database "no_such_database_pcb" does not exist/ },
    { name: 'an unknown user', url: pgUrl((u) => (u.username = 'no_such_user_pcb')), code: 2, says: /refused user "no_such_user_pcb"/ },
    { name: 'a port where nothing listens', url: pgUrl((u) => (u.port = '1')), code: 1, says: /cannot reach PostgreSQL at 127\.0\.0\.1:1 \(connection refused\)/ },
  ];
  for (const c of cases) {
    it(`(${c.name}) stops \`migrate\` and \`serve\` with exit ${c.code} and one line naming DATABASE_URL, never the password`, async () => {
      const env = { DATABASE_URL: c.url, PCBRIDGE_SECRET_KEY: KEY, PCBRIDGE_ADMIN_TOKEN: 'startup-admin-token-123' };
      for (const args of [['migrate'], ['serve', '--port', '0', '--host', '127.0.0.1']]) {
        const result = await runCli(args, env);
        expect({ args, code: result.code }).toEqual({ args, code: c.code });
        expectOneLine(result, /^pcbridge: DATABASE_URL: /);
        expect(result.stderr).toMatch(c.says);
      }
    });
  }
});

describe('a PORT already in use', () => {
  let blocker: Server | null = null;
  afterAll(async () => {
    await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  });

  it('stops `serve` with exit 2 (a bad setting, as the README says) and one line naming PORT and HOST', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const db = await createTestDatabase('sqlite');
    dbs.push(db);
    const result = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1'], {
      DATABASE_URL: db.url,
      PCBRIDGE_SECRET_KEY: KEY,
      PCBRIDGE_ADMIN_TOKEN: 'startup-admin-token-123',
    });
    expect(result.code).toBe(2);
    expectOneLine(result, new RegExp(`^pcbridge: PORT: ${port} is already in use on HOST 127\\.0\\.0\\.1`));
  });
});
