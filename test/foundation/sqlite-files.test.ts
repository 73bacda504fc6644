import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startServeProcess, type CliResult } from '../helpers/processes.js';

// The SQLite file holds personal data (payloads, user ids, CleverTap ids): only its owner may
// read it, whatever the umask of the shell or service manager that started the bridge.
const KEY = Buffer.alloc(32, 9).toString('base64');
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-files-'));
  dirs.push(dir);
  return dir;
}
let umaskBefore = 0;
beforeAll(() => {
  // The most permissive umask: modes must come from the bridge, not from the umask.
  umaskBefore = process.umask(0);
});
afterAll(() => {
  process.umask(umaskBefore);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** Runs `pcbridge <args>` from the sources in `cwd` (runCli always runs in the repository). */
function runCliIn(cwd: string, args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const cli = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  const childEnv: Record<string, string | undefined> = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, cli, ...args], { cwd, env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pcbridge ${args.join(' ')} did not exit:\n${stdout}\n${stderr}`));
    }, 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('the SQLite files', () => {
  it('are created readable by their owner only (database, WAL, shared memory, secret.key 0600; a new data folder 0700), whatever the umask', async () => {
    const dataDir = join(tempDir(), 'data');
    const server = await startServeProcess({ DATABASE_URL: `sqlite:${join(dataDir, 'pcbridge.db')}`, PCBRIDGE_ADMIN_TOKEN: undefined, PCBRIDGE_SECRET_KEY: undefined });
    try {
      // A write, so that the WAL holds data.
      const token = /Admin token \(shown once, keep it\): (\S+)/.exec(server.output())![1]!;
      const created = await fetch(`${server.baseUrl}/api/v1/apps`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Files', webhookSecret: 'files-secret-123' }),
      });
      expect(created.status).toBe(201);
      const files = readdirSync(dataDir).sort();
      expect(files).toEqual(['pcbridge.db', 'pcbridge.db-shm', 'pcbridge.db-wal', 'secret.key']);
      for (const file of files) expect({ file, mode: mode(join(dataDir, file)).toString(8) }).toEqual({ file, mode: '600' });
      expect(mode(dataDir).toString(8)).toBe('700');
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });

  it('of an older install, left 0644, are tightened to 0600 at the next start', async () => {
    const dir = tempDir();
    const env = { DATABASE_URL: `sqlite:${join(dir, 'pcbridge.db')}`, PCBRIDGE_ADMIN_TOKEN: 'files-admin-token-123', PCBRIDGE_SECRET_KEY: KEY };
    const first = await startServeProcess(env);
    // Stopped by SIGKILL, as after a crash: the WAL and shared-memory files stay behind.
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const files = readdirSync(dir).filter((f) => f.startsWith('pcbridge.db'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) chmodSync(join(dir, file), 0o644);

    const second = await startServeProcess(env);
    try {
      for (const file of readdirSync(dir).filter((f) => f.startsWith('pcbridge.db'))) {
        expect({ file, mode: mode(join(dir, file)).toString(8) }).toEqual({ file, mode: '600' });
      }
    } finally {
      await second.stop();
    }
  });
});

describe('the folder of the SQLite database', () => {
  it('is created when missing (the default ./data/ on a fresh clone), and only that folder', async () => {
    const cwd = tempDir();
    const result = await runCliIn(cwd, ['apps', 'list'], { DATABASE_URL: 'sqlite:./data/x.db', PCBRIDGE_SECRET_KEY: undefined });
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(cwd, 'data', 'x.db'))).toBe(true);
  });

  for (const command of [
    ['serve', '--port', '0'],
    ['apps', 'list'],
  ]) {
    it(`must have an existing parent: \`${command.join(' ')}\` exits 2 with one line naming DATABASE_URL and creates nothing`, async () => {
      const root = tempDir();
      const result = await runCli(command, { DATABASE_URL: `sqlite:${join(root, 'nonexistent', 'dir', 'x.db')}`, PCBRIDGE_SECRET_KEY: undefined, PCBRIDGE_ADMIN_TOKEN: undefined });
      expect(result.code).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^pcbridge: DATABASE_URL: /);
      expect(lines[0]).toContain(join(root, 'nonexistent'));
      expect(existsSync(join(root, 'nonexistent'))).toBe(false);
    });
  }
});
