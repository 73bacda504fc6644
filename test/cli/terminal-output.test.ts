/**
 * Terminal output: on a terminal (a pseudo-terminal made by util-linux's `script`), `pcbridge
 * serve` logs human-readable lines and the first start's admin token stands on its own lines;
 * with stdout a pipe, logs are JSON lines. `npm run demo` / `pcbridge demo` honours PORT.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestContext } from '../helpers/context.js';
import { REPO_ROOT, runCli, spawnCli, startServeProcess } from '../helpers/processes.js';

if (spawnSync('sh', ['-c', 'command -v script']).status !== 0) throw new Error('`script` (util-linux) is needed to give the server a terminal: apt-get install bsdutils');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('log lines', () => {
  it('are human-readable on a terminal, and the first start prints the admin token on lines of its own', async () => {
    const dir = tempDir('pcbridge-tty-');
    const cli = `${process.execPath} --import tsx src/cli/main.ts serve --port 0 --host 127.0.0.1`;
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'p.db')}`, LOG_LEVEL: 'info', NO_COLOR: '1' };
    delete env.PCBRIDGE_ADMIN_TOKEN;
    delete env.PCBRIDGE_SECRET_KEY;
    // Its own process group, so that the server under `script` is stopped with it.
    const child = spawn('script', ['-qfec', cli, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 120 && !out.includes('pcbridge listening on'); i += 1) await sleep(250);
      expect(out).toContain('pcbridge listening on');
      const lines = out.replace(/\r/g, '').split('\n');
      expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
      expect(out).toMatch(/\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}\] INFO: pcbridge started/);
      const tokenLine = lines.findIndex((l) => l.includes('Admin token (shown once, keep it):'));
      expect(lines[tokenLine]).toMatch(/^ {2}Admin token \(shown once, keep it\): pcb_admin_\S+$/);
      expect(lines[tokenLine - 1]).toBe('');
      expect(lines[tokenLine + 1]).toBe('  Replace it with: npx pcbridge admin-token reset');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }, 60_000);

  it('are JSON lines when stdout is not a terminal', async () => {
    const t = await createTestContext('sqlite');
    const server = await startServeProcess({ ...t.env, LOG_LEVEL: 'info' });
    try {
      for (let i = 0; i < 40 && !server.output().includes('"msg":"pcbridge started"'); i += 1) await sleep(250);
      const started = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg?: string; level?: number; time?: number });
      expect(started.find((l) => l.msg === 'pcbridge started')).toMatchObject({ level: 30, time: expect.any(Number) });
    } finally {
      await server.stop();
      await t.close();
    }
  }, 60_000);
});

describe('pcbridge demo', () => {
  it('listens on PORT when no --port is given', async () => {
    const port = await freePort();
    const child = spawnCli(['demo', '--data-dir', tempDir('pcbridge-demo-port-'), '--users', '2'], {
      PORT: String(port),
      DATABASE_URL: undefined,
      PCBRIDGE_ADMIN_TOKEN: undefined,
      PCBRIDGE_SECRET_KEY: undefined,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let i = 0; i < 160 && !out.includes('Press Ctrl-C'); i += 1) await sleep(250);
      expect(/dashboard:\s+(\S+)/.exec(out)?.[1]).toBe(`http://127.0.0.1:${port}/`);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 90_000);

  it('exits 2 naming PORT when it is no port number', async () => {
    const res = await runCli(['demo', '--data-dir', tempDir('pcbridge-demo-badport-')], { PORT: 'eighty', DATABASE_URL: undefined });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe('pcbridge: PORT: "eighty" is not a port number from 0 to 65535 (0: any free port).\n');
  });
});
