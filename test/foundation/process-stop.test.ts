import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { ACCOUNT_ID, PASSCODE, createAppWithIntegration, insertRecords, recordsForUsers, waitFor } from '../delivery/helpers.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';
import { REPO_ROOT, startServeProcess } from '../helpers/processes.js';

// What a service manager or a container runtime does to stop the bridge: one signal to the one
// process it started (`npm start`, `node scripts/start.mjs serve`, or the bridge itself), then,
// after its grace period, SIGKILL. Everything must be down within the drain time.
const DRAIN_MS = 8_000;
/** Slack for process start-up/tear-down on a loaded test machine. */
const SLACK_MS = 4_000;
const KEY = Buffer.alloc(32, 9).toString('base64');
const TOKEN = 'process-stop-token-123';

const dbs: TestDatabase[] = [];
/**
 * Every process this file started (roots and what ran below them) with its command line, killed
 * after each test; the command line is compared first, so a recycled pid is left alone.
 */
const started = new Map<number, string>();
function track(pid: number): void {
  started.set(pid, cmdline(pid));
}
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}
async function freshEnv(): Promise<Record<string, string | undefined>> {
  const db = await createTestDatabase('sqlite');
  dbs.push(db);
  return { DATABASE_URL: db.url, PCBRIDGE_ADMIN_TOKEN: TOKEN, PCBRIDGE_SECRET_KEY: KEY, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
}
afterEach(() => {
  // A failed assertion must not leave a bridge running: kill whatever this file started.
  for (const [pid, command] of started) {
    try {
      if (isAlive(pid) && cmdline(pid) === command) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  started.clear();
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
});

// `npm start` builds the server when src/ is newer than dist/: build once here (through the
// script itself), so that the tests below time the stop rather than tsc.
beforeAll(async () => {
  const build = spawn(process.execPath, ['scripts/start.mjs', '--help'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  build.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  build.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => build.on('exit', resolve));
  if (code !== 0) throw new Error(`building with scripts/start.mjs failed (${code}):\n${out}`);
}, 240_000);

/** Live descendants of `pid` (children, grandchildren…), from /proc; zombies count as gone. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parentOf.set(Number(entry), Number(ppid));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number> {
  const startedAt = Date.now();
  while (pids.some(isAlive)) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`still running after ${timeoutMs} ms: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - startedAt;
}

/** True when something accepts TCP connections on the port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Tree {
  root: ChildProcess;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `cmd args` (npm start, or node scripts/start.mjs serve) and waits until the bridge listens. */
function startTree(cmd: string, args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<Tree> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  const root = spawn(cmd, args, { cwd: REPO_ROOT, env: childEnv as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  track(root.pid!);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => root.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(' ')} did not listen within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /pcbridge listening on http:\/\/127\.0\.0\.1:(\d+) /.exec(out);
      if (match) {
        clearTimeout(timer);
        for (const pid of descendants(root.pid!)) track(pid);
        resolve({ root, port: Number(match[1]), output: () => out, exited });
      }
    };
    root.stdout!.on('data', onData);
    root.stderr!.on('data', onData);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before listening:\n${out}`));
    });
  });
}

/** The bridge's own process: the `node … dist/src/cli/main.js serve` below the tree's root. */
function bridgePid(tree: Tree): number {
  const pid = descendants(tree.root.pid!).find((p) => cmdline(p).includes('dist/src/cli/main.js'));
  if (pid === undefined) throw new Error('no bridge process below the root');
  return pid;
}

describe('stopping `npm start` the way a service manager or container runtime does', () => {
  it('stops the script and the bridge when only the npm process gets SIGTERM', async () => {
    const tree = await startTree('npm', ['start'], await freshEnv());
    const pids = [tree.root.pid!, ...descendants(tree.root.pid!)];
    const bridge = bridgePid(tree);
    expect(await answers(tree.port)).toBe(true);

    tree.root.kill('SIGTERM');
    const tookMs = await waitUntilGone(pids, DRAIN_MS + SLACK_MS);
    expect(tookMs).toBeLessThan(DRAIN_MS + SLACK_MS);
    expect(await answers(tree.port)).toBe(false);
    expect(isAlive(bridge)).toBe(false);
    // npm's own exit code after a signal is npm's; the bridge says it stopped cleanly (exit 0).
    expect(tree.output()).toContain('"msg":"pcbridge stopped"');
  }, 180_000);

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the bridge when only \`node scripts/start.mjs serve\` gets ${signal}, and exits with the bridge's 0`, async () => {
      const tree = await startTree(process.execPath, ['scripts/start.mjs', 'serve'], await freshEnv());
      const pids = [tree.root.pid!, ...descendants(tree.root.pid!)];
      expect(pids.length).toBeGreaterThanOrEqual(2);

      tree.root.kill(signal);
      const exit = await Promise.race([tree.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), DRAIN_MS + SLACK_MS))]);
      expect(exit, tree.output()).toEqual({ code: 0, signal: null });
      await waitUntilGone(pids, 1_000);
      expect(await answers(tree.port)).toBe(false);
    }, 180_000);
  }
});

/**
 * Sends a POST whose body arrives over `dribbleMs` (or never, with Infinity); resolves with the
 * status. Its connection is kept alive, as a reverse proxy's pool keeps it, until the server closes it.
 */
function slowRequest(baseUrl: string, dribbleMs: number): { answered: Promise<number>; abort(): void } {
  const body = JSON.stringify({ name: 'Late', webhookSecret: 'in-flight-secret' });
  const url = new URL(`${baseUrl}/api/v1/apps`);
  const req = request({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: new Agent({ keepAlive: true }),
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  if (Number.isFinite(dribbleMs)) setTimeout(() => req.end(body.slice(10)), dribbleMs);
  return { answered, abort: () => req.destroy() };
}

describe('stopping the bridge process itself', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`answers a slow request in flight and exits 0 on ${signal}, even when the signal comes twice (a service manager and a parent script)`, async () => {
      const server = await startServeProcess(await freshEnv());
      track(server.child.pid!);
      const slow = slowRequest(server.baseUrl, 1_500);
      await new Promise((r) => setTimeout(r, 200));
      const exited = server.stop(signal);
      await new Promise((r) => setTimeout(r, 300));
      server.child.kill(signal);
      expect(await slow.answered).toBe(201);
      expect(await exited).toEqual({ code: 0, signal: null });
      // Done once the request was answered, not when the drain time ran out.
      expect(server.output()).not.toMatch(/drain time over/);
    });
  }

  it('exits 0 within the drain time when a client never finishes its request', async () => {
    const server = await startServeProcess(await freshEnv());
    track(server.child.pid!);
    const stuck = slowRequest(server.baseUrl, Infinity);
    stuck.answered.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const startedAt = Date.now();
    const exit = await Promise.race([server.stop('SIGTERM'), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), DRAIN_MS + SLACK_MS))]);
    if (exit === 'timeout') server.child.kill('SIGKILL');
    stuck.abort();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(DRAIN_MS + SLACK_MS);
    expect(server.output()).toMatch(/drain time/);
  }, 30_000);
});

describe('stopping the bridge while it delivers', () => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  afterEach(async () => {
    await t?.close();
    await emu?.close();
    t = null;
    emu = null;
  });

  for (const dialect of DIALECTS) {
    it(`on ${dialect}, lets the uploads in flight finish and hands back every record and account slot it held before exiting 0`, async () => {
      emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }], latencyMs: 1_500 });
      t = await createTestContext(dialect);
      const ctx = t.ctx;
      const appId = await createAppWithIntegration(ctx);
      await insertRecords(ctx, appId, recordsForUsers(40, 5, 'stop'));
      const server = await startServeProcess({ ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_CLEVERTAP_CONCURRENCY: '3', LOG_LEVEL: 'warn' }, [], 60_000);
      track(server.child.pid!);
      const owner = `${hostname()}:${server.child.pid}:%`;
      const held = async () => {
        const records = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE state = 'in_flight' AND lease_owner LIKE ?`, [owner]);
        const slots = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM account_slots WHERE holder LIKE ?`, [owner]);
        return { records: Number(records!.n), slots: Number(slots!.n) };
      };
      await waitFor(async () => (await held()).records > 0, 30_000, 'records in flight');

      const startedAt = Date.now();
      const exit = await Promise.race([server.stop('SIGTERM'), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), DRAIN_MS + SLACK_MS))]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(Date.now() - startedAt).toBeLessThan(DRAIN_MS + SLACK_MS);
      // Nothing waits for a lease to run out: another instance (or the next start) carries on at once.
      expect(await held()).toEqual({ records: 0, slots: 0 });
      expect(emu.stats().records).toBeGreaterThan(0);
    }, 120_000);
  }
});
