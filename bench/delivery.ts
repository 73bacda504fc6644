/**
 * Delivery benchmarks (SPEC §7, issue 7), all against the bundled CleverTap emulator over HTTP:
 *
 * (a) CPU-bound: 100,000 pending records of 10,000 users drained on SQLite with no emulator
 *     latency — records/s and records per request;
 * (b) latency-bound: emulator at 1 s, concurrency 3, a backlog — rate against the ceiling
 *     concurrency × 1000 ÷ latency = 3,000 records/s;
 * (c) the same latency-bound backlog sent the way CleverTap's official `clevertap` npm library
 *     does it (`upload()`: batches of at most 100 records, each request sent after the previous
 *     answer, one at a time) — our rate over its rate;
 * (d) peak RSS of a `pcbridge serve` process with 1,000,000 records pending (target < 250 MB);
 * (e) the latency-bound backlog of (b) on PostgreSQL, drained by three `pcbridge serve`
 *     processes sharing the account's 3 slots — rate against the same 3,000 records/s ceiling.
 *
 * The backlog is written straight into the outbox (multi-row inserts), as processing would.
 * Run alone: `node --import tsx bench/delivery.ts [a b c d e]`; with the others: `npm run bench`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
import type { EmulatorStats } from '../tools/clevertap-emulator/index.js';
import type { BenchRow } from './run.js';

const ACCOUNT = { accountId: 'BENCH-DELIVERY', passcode: 'bench-passcode' };

/**
 * The emulator in its own process (`pcbridge emulator clevertap`), as CleverTap is on another
 * machine: its parsing and validation then do not take turns with the bridge on one event loop.
 */
interface EmulatorProcess {
  url: string;
  stats(): Promise<EmulatorStats>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

async function startEmulatorProcess(latencyMs: number): Promise<EmulatorProcess> {
  const child = spawnCli(['emulator', 'clevertap', '--port', '0', '--account', `${ACCOUNT.accountId}:${ACCOUNT.passcode}`, '--latency', String(latencyMs)]);
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
    async clear() {
      await (await fetch(`${url}/_emulator/records`, { method: 'DELETE' })).text();
    },
    async close() {
      child.kill('SIGKILL');
    },
  };
}

interface Bed {
  ctx: AppContext;
  env: Record<string, string>;
  appId: string;
  close(): Promise<void>;
}

/**
 * A fresh schema on the test PostgreSQL (`PCBRIDGE_TEST_DATABASE_URL`, as the tests use):
 * its DATABASE_URL and a function dropping it.
 */
async function createPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
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
async function createBed(emulatorUrl: string, extraEnv: Record<string, string> = {}): Promise<Bed> {
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
function recordBody(n: number, user: string): string {
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
async function insertBacklog(ctx: AppContext, appId: string, count: number, users: number): Promise<void> {
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

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
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

/** (b) 1 s latency, concurrency 3: rate against the ceiling 3 × 1000 / 1 s. */
async function benchLatencyBound(): Promise<{ rows: BenchRow[]; rate: number }> {
  const emu = await startEmulatorProcess(1000);
  const bed = await createBed(emu.url, { PCBRIDGE_CLEVERTAP_CONCURRENCY: '3' });
  const count = 24_000;
  try {
    await insertBacklog(bed.ctx, bed.appId, count, 24_000);
    const r = await drain(emu, bed, count);
    const ratio = r.rate / 3000;
    return {
      rate: r.rate,
      rows: [
        { name: 'delivery (b): 1 s latency, concurrency 3, 24k backlog', value: Math.round(r.rate), unit: 'records/s', target: '>= 2400 (0.8 × 3000)', pass: ratio >= 0.8 },
        { name: 'delivery (b): share of the ceiling (3 × 1000 / 1 s)', value: Math.round(ratio * 100) / 100, unit: '×', target: '>= 0.8', pass: ratio >= 0.8 },
      ],
    };
  } finally {
    await bed.close();
    await emu.close();
  }
}

/**
 * (e) The backlog of (b) on PostgreSQL, drained by three `pcbridge serve` processes (from the
 * sources) that share the account's 3 slots. The passcode is withheld while the backlog is
 * written and the servers start (records of an account without credentials stay pending), then
 * set. The rate runs from the first request (polled every 50 ms) until the emulator holds every
 * record; a second row also counts the servers' pick-up of the credentials (next refresh, ≤ 1 s).
 */
async function benchLatencyBoundMultiNode(): Promise<BenchRow[]> {
  const emu = await startEmulatorProcess(1000);
  const schema = await createPostgresSchema();
  const count = 24_000;
  const servers: ChildProcess[] = [];
  let bed: Bed | null = null;
  try {
    bed = await createBed(emu.url, { DATABASE_URL: schema.url, PCBRIDGE_CLEVERTAP_CONCURRENCY: '3' });
    const ctx = bed.ctx;
    await ctx.store.db.run(`UPDATE integrations SET passcode_enc = NULL WHERE app_id = ?`, [bed.appId]);
    await insertBacklog(ctx, bed.appId, count, count);
    const env = bed.env;
    servers.push(...(await Promise.all([0, 1, 2].map(() => startSourceServer(env)))));
    await emu.clear();
    const enabled = performance.now();
    await ctx.store.db.run(`UPDATE integrations SET passcode_enc = ?, updated_at = ? WHERE app_id = ?`, [ctx.secrets.encrypt(ACCOUNT.passcode), Date.now(), bed.appId]);
    // The drain runs from the first request (the emulator counts it on arrival) to the last record stored.
    await waitUntil(async () => (await emu.stats()).requests > 0, 60_000, 'the first request');
    const started = performance.now();
    await waitUntil(async () => (await emu.stats()).records >= count, 600_000, `${count} records at the emulator`);
    const ended = performance.now();
    const rate = count / ((ended - started) / 1000);
    const endToEnd = count / ((ended - enabled) / 1000);
    const stats = await emu.stats();
    const ratio = rate / 3000;
    return [
      { name: 'delivery (e): 1 s latency, concurrency 3, 24k backlog, PostgreSQL, 3 serve processes', value: Math.round(rate), unit: 'records/s', target: '>= 2400 (0.8 × 3000)', pass: ratio >= 0.8 },
      { name: 'delivery (e): share of the ceiling (3 × 1000 / 1 s)', value: Math.round(ratio * 100) / 100, unit: '×', target: '>= 0.8', pass: ratio >= 0.8 },
      { name: 'delivery (e): rate counting the servers picking the account up (≤ 1 s refresh)', value: Math.round(endToEnd), unit: 'records/s' },
      { name: 'delivery (e): most requests in flight at once (limit 3)', value: stats.accounts[ACCOUNT.accountId]?.maxConcurrency ?? 0, unit: 'requests', target: '<= 3', pass: (stats.accounts[ACCOUNT.accountId]?.maxConcurrency ?? 0) <= 3 },
    ];
  } finally {
    for (const child of servers) child.kill('SIGKILL');
    await bed?.close();
    await schema.drop();
    await emu.close();
  }
}

/** Starts `pcbridge serve` from the sources (through tsx); resolves once it listens. */
function startSourceServer(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['serve', '--port', '0', '--host', '127.0.0.1'], env);
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start: ${out}`));
    }, 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('listening on')) {
        clearTimeout(timer);
        // Keep reading its output so a full pipe never stalls it.
        out = '';
        child.stdout!.off('data', onData).resume();
        child.stderr!.off('data', onData).resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

/**
 * (c) CleverTap's `clevertap` npm library: `upload(data)` cuts `data` into batches of at most
 * 100 records (its maximum) and sends batch k+1 only after batch k's answer, over one client.
 * Reproduced with plain `fetch` and the same headers, against the same emulator at 1 s.
 */
async function benchOfficialLibrary(records: number): Promise<number> {
  const emu = await startEmulatorProcess(1000);
  try {
    const data = Array.from({ length: records }, (_, i) => ({ identity: `bench-user-${i}`, ...(JSON.parse(recordBody(i, `bench-user-${i}`)) as object) }));
    const started = performance.now();
    for (let i = 0; i < data.length; i += 100) {
      const res = await fetch(`${emu.url}/1/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-CleverTap-Account-Id': ACCOUNT.accountId, 'X-CleverTap-Passcode': ACCOUNT.passcode },
        body: JSON.stringify({ d: data.slice(i, i + 100) }),
      });
      await res.text();
    }
    return records / ((performance.now() - started) / 1000);
  } finally {
    await emu.close();
  }
}

/** Peak resident memory (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * Compiles the server the way `npm start` does (tsc, tsconfig.build.json) into a private folder
 * under node_modules/.cache (so packages still resolve), and returns the CLI entry point.
 * Measuring the sources through tsx would add the loader's own memory (~35 MB) to the server's.
 */
export function buildServer(): string {
  const outDir = join(REPO_ROOT, 'node_modules/.cache/pcbridge-bench-delivery');
  const res = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const main = join(outDir, 'src/cli/main.js');
  if (!existsSync(main)) throw new Error(`could not build the server: ${res.stdout}${res.stderr}`);
  return main;
}

/** Starts the compiled `pcbridge serve`; resolves once it listens. */
export function startBuiltServer(main: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // The same Node flags as `npm start` (scripts/start.mjs) runs the server with.
    const nodeFlags = JSON.parse(readFileSync(join(REPO_ROOT, 'scripts/serve-node-flags.json'), 'utf8')) as string[];
    const child = spawn(process.execPath, [...nodeFlags, main, 'serve', '--port', '0', '--host', '127.0.0.1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
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
    // Keep reading its output so a full pipe never stalls it.
    child.stdout!.resume();
    child.stderr!.resume();
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

/** Runs the delivery benchmarks (all, or the parts named: a b c d e). */
export async function benchDelivery(parts: readonly string[] = ['a', 'b', 'c', 'd', 'e']): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (parts.includes('a')) rows.push(...(await benchCpuBound()));
  let ours: number | null = null;
  if (parts.includes('b')) {
    const b = await benchLatencyBound();
    rows.push(...b.rows);
    ours = b.rate;
  }
  if (parts.includes('c')) {
    const theirs = await benchOfficialLibrary(600);
    rows.push({ name: "delivery (c): official clevertap npm strategy (sequential ≤100-record requests), 1 s latency", value: Math.round(theirs), unit: 'records/s' });
    if (ours !== null) rows.push({ name: 'delivery (c): our rate ÷ its rate', value: Math.round((ours / theirs) * 10) / 10, unit: '×' });
  }
  if (parts.includes('d')) rows.push(...(await benchPeakRss()));
  if (parts.includes('e')) rows.push(...(await benchLatencyBoundMultiNode()));
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const parts = process.argv.slice(2);
  const rows = await benchDelivery(parts.length > 0 ? parts : undefined);
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${String(r.value).padStart(10)} ${r.unit}${r.target ? `  (target ${r.target}: ${r.pass ? 'pass' : 'FAIL'})` : ''}\n`);
  process.exit(0);
}
