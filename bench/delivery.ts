/**
 * Delivery benchmarks (SPEC §7, issue 7), against the bundled CleverTap emulator over HTTP:
 *
 * (a) CPU-bound: 100,000 pending records of 10,000 users drained on SQLite with no emulator
 *     latency — records/s and records per request;
 * (d) peak RSS of a `pcbridge serve` process with 1,000,000 records pending (target < 250 MB).
 *
 * The latency-bound drain (1 s answers, against the concurrency × 1000 records/s ceiling, on
 * SQLite and on PostgreSQL with three processes) and CleverTap's own library as the baseline
 * are measured from a `…/resume` in resume-drain.ts, which also uses the helpers exported here.
 *
 * The backlog is written straight into the outbox (multi-row inserts), as processing would.
 * Run alone: `node --import tsx bench/delivery.ts [a d]`; with the others: `npm run bench`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createApp } from '../src/apps/apps-service.js';
import { checkKeyFingerprint } from '../src/runtime/bootstrap.js';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import type { AppContext } from '../src/context.js';
import { createDeliveryWorker } from '../src/delivery/delivery-worker.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { createSecretBox } from '../src/secrets.js';
import { defaultIntegrationSettings } from '../src/settings/defaults.js';
import { openStore } from '../src/store/store.js';
import { REPO_ROOT, spawnCli } from '../test/helpers/processes.js';
import type { EmulatorSettings, EmulatorStats, TimelineEntry } from '../tools/clevertap-emulator/index.js';
import type { BenchRow } from './run.js';

export const ACCOUNT = { accountId: 'BENCH-DELIVERY', passcode: 'bench-passcode' };

/**
 * The emulator in its own process (`pcbridge emulator clevertap`), as CleverTap is on another
 * machine: its parsing and validation then do not take turns with the bridge on one event loop.
 */
export interface EmulatorProcess {
  url: string;
  stats(): Promise<EmulatorStats>;
  /** Upload requests since the last clear (see the emulator README). */
  timeline(): Promise<TimelineEntry[]>;
  /** Changes faults or latency while it runs. */
  setFaults(patch: Partial<EmulatorSettings>): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function startEmulatorProcess(latencyMs: number, extraArgs: string[] = []): Promise<EmulatorProcess> {
  const child = spawnCli(['emulator', 'clevertap', '--port', '0', '--account', `${ACCOUNT.accountId}:${ACCOUNT.passcode}`, '--latency', String(latencyMs), ...extraArgs]);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
  });
  return {
    url,
    async stats() {
      return (await (await fetch(`${url}/_emulator/stats`)).json()) as EmulatorStats;
    },
    async timeline() {
      return ((await (await fetch(`${url}/_emulator/timeline`)).json()) as { timeline: TimelineEntry[] }).timeline;
    },
    async setFaults(patch) {
      const res = await fetch(`${url}/_emulator/faults`, { method: 'POST', body: JSON.stringify(patch) });
      if (!res.ok) throw new Error(`emulator refused ${JSON.stringify(patch)}: ${await res.text()}`);
    },
    async clear() {
      await (await fetch(`${url}/_emulator/records`, { method: 'DELETE' })).text();
    },
    async close() {
      child.kill('SIGKILL');
    },
  };
}

export interface Bed {
  ctx: AppContext;
  env: Record<string, string>;
  appId: string;
  close(): Promise<void>;
}

/**
 * A fresh schema on the test PostgreSQL (`PCBRIDGE_TEST_DATABASE_URL`, as the tests use):
 * its DATABASE_URL and a function dropping it.
 */
export async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const baseUrl = process.env.PCBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `pcb_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(baseUrl);
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A migrated store with one app whose integration points at the emulator: SQLite in a temp
 * folder, or the database `DATABASE_URL` in `extraEnv` names.
 */
export async function createBed(emulatorUrl: string, extraEnv: Record<string, string> = {}): Promise<Bed> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-bench-delivery-'));
  const secretKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: `sqlite:${join(dir, 'pcbridge.db')}`,
    PCBRIDGE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    PCBRIDGE_SECRET_KEY: secretKey.toString('base64'),
    PCBRIDGE_CLEVERTAP_BASE_URL: emulatorUrl,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const config = loadConfig(env);
  const store = openStore(config.database);
  await store.migrate();
  const secrets = createSecretBox(secretKey);
  await checkKeyFingerprint(store, secrets);
  const ctx: AppContext = {
    config,
    logger: createLogger('warn'),
    store,
    secrets,
    clock: systemClock,
    metrics: createMetrics(),
    instanceId: `bench:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
  const app = await createApp(ctx, { name: 'bench', webhookSecret: 'bench-secret' });
  const settings = defaultIntegrationSettings();
  settings.enabled = true;
  settings.accountId = ACCOUNT.accountId;
  await store.db.run(`INSERT INTO integrations (app_id, settings_json, passcode_enc, sandbox_passcode_enc, updated_at) VALUES (?, ?, ?, NULL, ?)`, [
    app.id,
    JSON.stringify(settings),
    secrets.encrypt(ACCOUNT.passcode),
    Date.now(),
  ]);
  return {
    ctx,
    env,
    appId: app.id,
    async close() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A mapped-event-like body (~20 properties), without identifier. */
export function recordBody(n: number, user: string): string {
  const ts = 1_700_000_000 + (n % 100_000);
  return JSON.stringify({
    type: 'event',
    evtName: 'SUBSCRIPTION_RENEWED',
    ts,
    evtData: {
      event_id: `evt-${n.toString(16).padStart(8, '0')}`,
      event_name: 'SUBSCRIPTION_RENEWED',
      user_id: user,
      store: 'APPLE_APP_STORE',
      store_country: 'FR',
      product: 'premium',
      plan: 'monthly',
      store_product_id: 'com.example.premium.monthly',
      purchasely_subscription_id: `subs_${user}`,
      subscription_status: 'AUTO_RENEWING',
      offer_type: 'NONE',
      environment: 'PRODUCTION',
      is_family_shared: false,
      amount_in_eur: 9.99,
      cumulated_revenues_in_eur: 59.94,
      purchased_at: `$D_${ts}`,
      next_renewal_at: `$D_${ts + 2_592_000}`,
      original_purchased_at: `$D_${ts - 15_552_000}`,
    },
  });
}

/**
 * Writes `count` pending records for `users` users, interleaved (every user's first record,
 * then every second one…), as 500-row INSERTs in transactions of 20,000.
 */
export async function insertBacklog(ctx: AppContext, appId: string, count: number, users: number): Promise<void> {
  const now = Date.now();
  const ROWS = 500;
  const PER_TX = 20_000;
  const row = `(?, ?, ?, ?, ?, 'PRODUCTION', 'main', 'event', ?, 'pending', ?, ?)`;
  for (let start = 0; start < count; start += PER_TX) {
    await ctx.store.db.transaction(async (q) => {
      for (let s = start; s < Math.min(count, start + PER_TX); s += ROWS) {
        const n = Math.min(ROWS, count - s, start + PER_TX - s);
        const params: (string | number)[] = [];
        for (let i = s; i < s + n; i++) {
          const user = `bench-user-${i % users}`;
          params.push(appId, i + 1, `evt-${i}`, user, user, recordBody(i, user), now, now);
        }
        await q.run(
          `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, environment, target, kind, body_json, state, created_at, updated_at)
           VALUES ${Array.from({ length: n }, () => row).join(',')}`,
          params,
        );
      }
    });
  }
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Drains a backlog in-process; returns records/s from worker start until the emulator holds every record, and records per request. */
async function drain(emu: EmulatorProcess, bed: Bed, count: number): Promise<{ rate: number; perRequest: number; seconds: number }> {
  await emu.clear();
  const started = performance.now();
  const worker = createDeliveryWorker(bed.ctx);
  let seconds: number;
  try {
    await waitUntil(async () => (await emu.stats()).records >= count, 600_000, `${count} records at the emulator`);
    seconds = (performance.now() - started) / 1000;
  } finally {
    await worker.stop();
  }
  const stats = await emu.stats();
  return { rate: count / seconds, perRequest: stats.records / Math.max(1, stats.accounts[ACCOUNT.accountId]?.requests ?? stats.requests), seconds };
}

/** (a) 100,000 records of 10,000 users, no latency, SQLite. */
async function benchCpuBound(): Promise<BenchRow[]> {
  const emu = await startEmulatorProcess(0);
  const bed = await createBed(emu.url);
  try {
    await insertBacklog(bed.ctx, bed.appId, 100_000, 10_000);
    const r = await drain(emu, bed, 100_000);
    return [
      { name: 'delivery (a): 100k records / 10k users, SQLite, no latency', value: Math.round(r.rate), unit: 'records/s', target: '>= 5000', pass: r.rate >= 5000 },
      { name: 'delivery (a): records per request under backlog', value: Math.round(r.perRequest * 10) / 10, unit: 'records', target: '>= 950', pass: r.perRequest >= 950 },
    ];
  } finally {
    await bed.close();
    await emu.close();
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime 14 and stime 15 (1-based, man proc).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak resident memory (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

let builtServer: string | null = null;

/**
 * Compiles the server the way `npm start` does (tsc, tsconfig.build.json) into a private folder
 * under node_modules/.cache (so packages still resolve; one per checkout), and returns the CLI entry point; once
 * per bench run. Measuring the sources through tsx would add the loader's own memory (~35 MB)
 * and start-up to the server's.
 */
export function buildServer(): string {
  if (builtServer !== null) return builtServer;
  // One folder per checkout: node_modules may be shared by several worktrees, whose benches
  // must not compile their own trees over each other's.
  const outDir = join(REPO_ROOT, 'node_modules/.cache', `pcbridge-bench-server-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`);
  const res = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const main = join(outDir, 'src/cli/main.js');
  if (res.status !== 0 || !existsSync(main)) throw new Error(`could not build the server: ${res.stdout}${res.stderr}`);
  builtServer = main;
  return main;
}

/** A compiled `pcbridge serve` that listens; `output()` is the tail of what it printed. */
export interface BuiltServer {
  child: ChildProcess;
  baseUrl: string;
  output(): string;
}

/** Starts the compiled `pcbridge serve`; resolves once it listens. */
export function launchBuiltServer(main: string, env: Record<string, string>): Promise<BuiltServer> {
  return new Promise((resolve, reject) => {
    // The same Node flags as `npm start` (scripts/start.mjs) runs the server with.
    // PCBRIDGE_BENCH_SERVER_NODE_FLAGS adds some (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a run).
    const nodeFlags = JSON.parse(readFileSync(join(REPO_ROOT, 'scripts/serve-node-flags.json'), 'utf8')) as string[];
    const extraFlags = (process.env.PCBRIDGE_BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    const child = spawn(process.execPath, [...nodeFlags, ...extraFlags, main, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Keeps reading its output (a full pipe would stall it), and the tail for error messages.
    let out = '';
    let started = false;
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out = (out + d.toString()).slice(-8000);
      const match = started ? null : /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolve({ child, baseUrl: match[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/** Starts the compiled `pcbridge serve`; resolves once it listens. */
export async function startBuiltServer(main: string, env: Record<string, string>): Promise<ChildProcess> {
  return (await launchBuiltServer(main, env)).child;
}

/** (d) `pcbridge serve` (compiled, as `npm start` runs it) with 1,000,000 records pending: peak RSS over 20 s of draining. */
async function benchPeakRss(): Promise<BenchRow[]> {
  const main = buildServer();
  const emu = await startEmulatorProcess(0);
  const bed = await createBed(emu.url);
  try {
    await insertBacklog(bed.ctx, bed.appId, 1_000_000, 100_000);
    await bed.ctx.store.close();
    const child = await startBuiltServer(main, bed.env);
    const server = { child, stop: async () => void child.kill('SIGKILL') };
    let peak = 0;
    let delivered = 0;
    try {
      const until = Date.now() + 20_000;
      while (Date.now() < until) {
        peak = Math.max(peak, peakRssMb(server.child.pid!));
        delivered += (await emu.stats()).records;
        await emu.clear(); // keeps the emulator's memory flat
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      peak = Math.max(peak, peakRssMb(server.child.pid!));
    } finally {
      await server.stop();
    }
    return [
      { name: 'delivery (d): peak RSS of serve, 1M records pending (20 s of draining)', value: Math.round(peak), unit: 'MB', target: '< 250', pass: peak < 250 },
      { name: 'delivery (d): records delivered during the RSS sample', value: delivered, unit: 'records' },
    ];
  } finally {
    await bed.close();
    await emu.close();
  }
}

/** Runs the delivery benchmarks (all, or the parts named: a d). */
export async function benchDelivery(parts: readonly string[] = ['a', 'd']): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (parts.includes('a')) rows.push(...(await benchCpuBound()));
  if (parts.includes('d')) rows.push(...(await benchPeakRss()));
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const parts = process.argv.slice(2);
  const rows = await benchDelivery(parts.length > 0 ? parts : undefined);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows)
    process.stdout.write(`${r.name.padEnd(width)}  ${String(r.value).padStart(10)} ${r.unit}${r.target ? `  (target ${r.target}: ${r.pass ? 'pass' : 'FAIL'})` : ''}\n`);
  process.exit(0);
}
