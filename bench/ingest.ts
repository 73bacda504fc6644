/**
 * Durable signed webhook ingest against a bare `node:http` baseline (SPEC §7; targets of issue 16).
 *
 * Closed loop: 64 keep-alive connections (an undici Pool), each sending the next request as
 * soon as the previous answer arrives, for 10 s after a short warm-up. Every request is a
 * unique event made from the documented fixtures and signed the way Purchasely signs. The
 * bridge runs as a real `pcbridge serve` child on a fresh SQLite file (synchronous=FULL, so
 * every 200 is on disk), integration disabled; the baseline is a child that reads the body
 * and answers 200. Both servers get the same requests from the same generator, in three
 * paired rounds (baseline, then bridge); the table shows medians.
 *
 * Run alone: `node --import tsx bench/ingest.ts`; with the others: `npm run bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { Pool, request } from 'undici';
import { signPurchaselyRequest } from '../src/purchasely/signature.js';
import { startServeProcess } from '../test/helpers/processes.js';
import type { BenchRow } from './run.js';
import { PURCHASELY_FIXTURE_DIR } from '../test/helpers/fixtures.js';

export interface BenchIngestOptions {
  /** Measured time per server and round (default 10 s, SPEC §7). */
  durationMs?: number;
  /** Paired rounds, baseline then bridge (default 3). */
  rounds?: number;
  /** Unmeasured time before it (default 2 s). */
  warmupMs?: number;
  /** Concurrent keep-alive connections, one request in flight on each (default 64). */
  connections?: number;
  /** PCBRIDGE_ROLE of the headline run (default `all`: processing runs too, as deployed). */
  role?: 'all' | 'api';
  /** Also measure role `api` (the webhook path without processing); default true. */
  apiOnly?: boolean;
  /** Also measure the refusal path: the same load with bad signatures, every answer a 401 (default true). */
  refusals?: boolean;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** What the load sends: Purchasely's signature, or a wrong one (every request refused with 401). */
export type LoadSignature = 'valid' | 'bad';

export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  /** CPU time the server process used per answered request in the window (Linux only). */
  serverCpuMsPerRequest: number | null;
}

const CLOCK_TICKS_PER_SECOND = 100;
/** Issue 16: the durable bridge at half the bare server's rate or better… */
const RATIO_TARGET = 0.5;
/** …with a p99 well under the SPEC's 100 ms. */
const P99_TARGET_MS = 20;

/** User + system CPU time of a process in ms, from /proc (null elsewhere). */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

// The documented payloads live beside the repository (shared with the spec).
const FIXTURE_DIRS = [PURCHASELY_FIXTURE_DIR];
const FIXTURE_NAMES = ['ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED'];
const SECRET = 'bench-purchasely-secret';
const ADMIN_TOKEN = `bench-admin-${randomBytes(8).toString('hex')}`;
const ID_MARK = '\u0001ID\u0001';
const USER_MARK = '\u0001USER\u0001';
const SUBSCRIPTION_MARK = '\u0001SUBSCRIPTION\u0001';

/** Fixture bodies split around the event_id and user_id values, so a unique body is a cheap concat. */
function loadTemplates(): string[][] {
  return FIXTURE_NAMES.map((name) => {
    const dir = FIXTURE_DIRS.find((d) => existsSync(join(d, `${name}.json`)));
    if (!dir) throw new Error(`fixture ${name}.json not found`);
    const payload = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    // Each user gets a subscription of its own, as in real traffic (the fixtures all share one).
    // The marked fields go last, in a fixed order, whatever order the fixture has them in.
    const { event_id: _id, user_id: _user, purchasely_subscription_id: _sub, ...rest0 } = payload;
    const text = JSON.stringify({ ...rest0, event_id: ID_MARK, user_id: USER_MARK, purchasely_subscription_id: SUBSCRIPTION_MARK });
    const [head, rest] = text.split(JSON.stringify(ID_MARK)) as [string, string];
    const [middle, rest2] = rest.split(JSON.stringify(USER_MARK)) as [string, string];
    const [middle2, tail] = rest2.split(JSON.stringify(SUBSCRIPTION_MARK)) as [string, string];
    return [head, middle, middle2, tail];
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Closed-loop load: `connections` workers, each one request at a time, until the deadline;
 * unique signed fixture events (secret `bench-purchasely-secret`). Exported for ad-hoc runs
 * against other servers.
 */
export async function runLoad(
  url: string,
  path: string,
  opts: Required<Pick<BenchIngestOptions, 'durationMs' | 'warmupMs' | 'connections'>>,
  runTag: string,
  serverPid: number | undefined,
  signature: LoadSignature = 'valid',
): Promise<LoadResult> {
  const expectedStatus = signature === 'valid' ? 200 : 401;
  const templates = loadTemplates();
  const pool = new Pool(url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  let sequence = 0;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let failed = 0;
  let measuring = false;
  const start = performance.now();
  const measureFrom = start + opts.warmupMs;
  const deadline = measureFrom + opts.durationMs;
  let cpuAtStart: number | null = null;
  let cpuAtEnd: number | null = null;
  const startTimer = setTimeout(() => (cpuAtStart = processCpuMs(serverPid)), opts.warmupMs);
  const endTimer = setTimeout(() => (cpuAtEnd = processCpuMs(serverPid)), opts.warmupMs + opts.durationMs);

  async function worker(): Promise<void> {
    while (true) {
      const now = performance.now();
      if (now >= deadline) return;
      if (!measuring && now >= measureFrom) measuring = true;
      const n = sequence++;
      const parts = templates[n % templates.length]!;
      const user = n % 5000;
      const body = `${parts[0]}"${runTag}-${n}"${parts[1]}"bench-user-${user}"${parts[2]}"subs_bench_${user}"${parts[3]}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers = {
        'content-type': 'application/json',
        'x-purchasely-timestamp': timestamp,
        'x-purchasely-request-signature': signPurchaselyRequest(signature === 'valid' ? SECRET : 'not-the-secret', timestamp, body),
      };
      const sent = performance.now();
      const inWindow = sent >= measureFrom;
      try {
        const res = await pool.request({ method: 'POST', path, body, headers });
        await res.body.dump();
        const took = performance.now() - sent;
        if (!inWindow || sent + took > deadline) continue;
        if (res.statusCode !== expectedStatus) {
          failed += 1;
          continue;
        }
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = took;
      } catch {
        if (inWindow) failed += 1;
      }
    }
  }

  await Promise.all(Array.from({ length: opts.connections }, () => worker()));
  clearTimeout(startTimer);
  clearTimeout(endTimer);
  cpuAtEnd ??= processCpuMs(serverPid);
  await pool.close();
  const sorted = latencies.slice(0, count).sort();
  const seconds = opts.durationMs / 1000;
  const cpu = cpuAtStart !== null && cpuAtEnd !== null && count > 0 ? (cpuAtEnd - cpuAtStart) / count : null;
  return { ok: count, failed, seconds, rate: count / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), serverCpuMsPerRequest: cpu };
}

/** The baseline: node:http that reads the whole body and answers 200, in its own process. */
function startBareServer(): Promise<{ url: string; child: ChildProcess }> {
  const script = `
    import { createServer } from 'node:http';
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"stored"}');
      });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, child });
    });
    child.on('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const cpuFigure = (x: number | null): number | string => (x === null ? 'n/a' : Math.round(x * 1000) / 1000);

/** A running `pcbridge serve` on a fresh SQLite file, with an app to send webhooks to. */
interface BridgeUnderTest {
  baseUrl: string;
  path: string;
  pid: number | undefined;
  /** Stops the server; returns how many events the database holds. */
  stop(): Promise<number>;
  /** Rows of the refusal log (`webhook_rejections`), read while the server runs. */
  rejectionsKept(): number;
}

async function startBridge(role: 'all' | 'api'): Promise<BridgeUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-bench-'));
  const dbPath = join(dir, 'pcbridge.db');
  const server = await startServeProcess({
    DATABASE_URL: `sqlite:${dbPath}`,
    PCBRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    PCBRIDGE_SECRET_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    PCBRIDGE_ROLE: role,
  });
  const created = await request(`${server.baseUrl}/api/v1/apps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Bench', webhookSecret: SECRET }),
  });
  if (created.statusCode !== 201) {
    await server.stop('SIGTERM');
    throw new Error(`could not create the bench app: ${await created.body.text()}`);
  }
  const { id } = (await created.body.json()) as { id: string };
  const count = (sql: string): number => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return Number((db.prepare(sql).get() as { n: number }).n);
    } finally {
      db.close();
    }
  };
  return {
    baseUrl: server.baseUrl,
    path: `/webhooks/purchasely/${id}`,
    pid: server.child.pid,
    rejectionsKept: () => count('SELECT COUNT(*) AS n FROM webhook_rejections'),
    async stop() {
      try {
        await server.stop('SIGTERM');
        return count('SELECT COUNT(*) AS n FROM events');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const medianOf = (runs: readonly LoadResult[], pick: (r: LoadResult) => number | null): number | null => {
  const values = runs.map(pick).filter((v): v is number => v !== null && !Number.isNaN(v));
  return values.length === 0 ? null : median(values);
};

/**
 * Runs the baseline and the bridge under the same load and returns the rows for the bench
 * table. They take turns, `rounds` times (baseline, then a bridge on a fresh database), so a
 * slow stretch of a shared machine lands on both sides of a pair; the figures are medians over
 * the rounds, the ratio the median of the per-round ratios. The headline (with targets) is the bridge as deployed
 * (role `all`: processing runs too, integration disabled); with `apiOnly` (default on) one more
 * run with role `api` shows the webhook path alone, so a processing cost shows up as the difference.
 */
export async function benchIngest(opts: BenchIngestOptions = {}): Promise<BenchRow[]> {
  const settings = { durationMs: opts.durationMs ?? 10_000, warmupMs: opts.warmupMs ?? 2000, connections: opts.connections ?? 64 };
  const rounds = opts.rounds ?? 3;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const runTag = `bench-${randomBytes(4).toString('hex')}`;

  const baselineRuns: LoadResult[] = [];
  const bridgeRuns: LoadResult[] = [];
  const bare = await startBareServer();
  let stored = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      // A fresh database each round, as a single run would have: a file grown by the earlier
      // rounds makes every insert a little dearer.
      const bridge = await startBridge(opts.role ?? 'all');
      try {
        log(
          `ingest: round ${round}/${rounds}: baseline node:http, then pcbridge role ${opts.role ?? 'all'} (SQLite, durable), ${settings.connections} connections, ${settings.durationMs / 1000} s each…`,
        );
        baselineRuns.push(await runLoad(bare.url, '/webhooks/purchasely/bench', settings, `${runTag}-b${round}`, bare.child.pid));
        bridgeRuns.push(await runLoad(bridge.baseUrl, bridge.path, settings, `${runTag}-${round}`, bridge.pid));
      } finally {
        stored += await bridge.stop();
      }
    }
  } finally {
    await stopChild(bare.child);
  }
  let apiRun: LoadResult | null = null;
  if (opts.apiOnly ?? true) {
    log(`ingest: pcbridge role api (SQLite, durable), ${settings.connections} connections, ${settings.durationMs / 1000} s…`);
    const api = await startBridge('api');
    try {
      apiRun = await runLoad(api.baseUrl, api.path, settings, `${runTag}-api`, api.pid);
    } finally {
      await api.stop();
    }
  }

  let refusalRun: { result: LoadResult; kept: number } | null = null;
  if (opts.refusals ?? true) {
    log(`ingest: refusal path: pcbridge role api, bad signatures (every answer 401, each recorded), ${settings.connections} connections, ${settings.durationMs / 1000} s…`);
    const api = await startBridge('api');
    try {
      const result = await runLoad(api.baseUrl, api.path, settings, `${runTag}-refused`, api.pid, 'bad');
      // The recorder flushes about once a second: give it that before counting.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      refusalRun = { result, kept: api.rejectionsKept() };
    } finally {
      await api.stop();
    }
  }

  const ratios = bridgeRuns.map((r, i) => r.rate / baselineRuns[i]!.rate);
  const ratio = median(ratios);
  const baselineRate = medianOf(baselineRuns, (r) => r.rate)!;
  const bridgeP99 = medianOf(bridgeRuns, (r) => r.p99)!;
  const failed = bridgeRuns.reduce((sum, r) => sum + r.failed, 0);
  const acknowledged = bridgeRuns.reduce((sum, r) => sum + r.ok, 0);
  const figure = (x: number | null): number | string => (x === null ? 'n/a' : round1(x));
  const rows: BenchRow[] = [
    { name: 'ingest: baseline node:http rate (median)', value: Math.round(baselineRate), unit: 'req/s' },
    { name: 'ingest: baseline p50 / p99 (median)', value: `${figure(medianOf(baselineRuns, (r) => r.p50))} / ${figure(medianOf(baselineRuns, (r) => r.p99))}`, unit: 'ms' },
    { name: 'ingest: pcbridge durable signed rate (SQLite, median)', value: Math.round(medianOf(bridgeRuns, (r) => r.rate)!), unit: 'req/s' },
    {
      name: `ingest: pcbridge / baseline rate ratio (median of ${rounds} paired rounds)`,
      value: Math.round(ratio * 100) / 100,
      unit: 'ratio',
      target: `>= ${RATIO_TARGET}`,
      pass: ratio >= RATIO_TARGET,
    },
    { name: 'ingest: ratio in each round', value: ratios.map((r) => r.toFixed(2)).join(' / '), unit: 'ratio' },
    { name: 'ingest: pcbridge p50 latency (median)', value: figure(medianOf(bridgeRuns, (r) => r.p50)), unit: 'ms' },
    { name: 'ingest: pcbridge p99 latency (median)', value: round1(bridgeP99), unit: 'ms', target: `< ${P99_TARGET_MS}`, pass: bridgeP99 < P99_TARGET_MS },
    // CPU per request is far less sensitive than rates to other load on a shared machine.
    { name: 'ingest: server CPU per request, baseline', value: cpuFigure(medianOf(baselineRuns, (r) => r.serverCpuMsPerRequest)), unit: 'ms' },
    { name: 'ingest: server CPU per request, pcbridge', value: cpuFigure(medianOf(bridgeRuns, (r) => r.serverCpuMsPerRequest)), unit: 'ms' },
    { name: 'ingest: non-200 answers or errors (pcbridge, all rounds)', value: failed, unit: 'requests', target: '0', pass: failed === 0 },
    // Every acknowledged event (warm-ups included) must be in the database after the runs.
    { name: 'ingest: events stored (>= acknowledged)', value: stored, unit: 'events', target: `>= ${acknowledged}`, pass: stored >= acknowledged },
  ];
  if (apiRun) {
    rows.push(
      { name: 'ingest (role api, no processing): rate', value: Math.round(apiRun.rate), unit: 'req/s' },
      { name: 'ingest (role api, no processing): ratio to the median baseline', value: Math.round((apiRun.rate / baselineRate) * 100) / 100, unit: 'ratio' },
      { name: 'ingest (role api, no processing): p50 / p99', value: `${round1(apiRun.p50)} / ${round1(apiRun.p99)}`, unit: 'ms' },
      { name: 'ingest (role api, no processing): CPU per request', value: cpuFigure(apiRun.serverCpuMsPerRequest), unit: 'ms' },
    );
  }
  if (refusalRun) {
    const { result, kept } = refusalRun;
    rows.push(
      { name: 'ingest refusals (bad signature, 401): rate', value: Math.round(result.rate), unit: 'req/s' },
      { name: 'ingest refusals (bad signature, 401): p50 / p99', value: `${round1(result.p50)} / ${round1(result.p99)}`, unit: 'ms' },
      { name: 'ingest refusals: CPU per request', value: cpuFigure(result.serverCpuMsPerRequest), unit: 'ms' },
      { name: 'ingest refusals: non-401 answers or errors', value: result.failed, unit: 'requests', target: '0', pass: result.failed === 0 },
      // However many were refused, the log keeps the newest 1,000 of the app.
      { name: 'ingest refusals: rows kept in the refusal log', value: kept, unit: 'rows', target: '<= 1000', pass: kept <= 1000 },
    );
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchIngest();
  for (const r of rows)
    process.stdout.write(`${r.name.padEnd(48)} ${String(r.value).padStart(14)} ${r.unit}${r.target ? `  (target ${r.target}: ${r.pass ? 'pass' : 'FAIL'})` : ''}\n`);
}
