/**
 * The drain measured from a `…/resume` (issue 16), and CleverTap's own Node library on the same
 * workload as the baseline.
 *
 * Each drain row: the CleverTap emulator in its own process, answering every upload 1 s after
 * it arrived (counting the records it accepts without keeping them, so storing 1000 records
 * does not add to an answer's time); a backlog written while the emulator refuses the credentials, so the bridge's
 * first request is answered 401 and the account pauses; then the emulator accepts the
 * credentials again (the "fix") and the bench calls `POST /api/v1/apps/{appId}/integrations/
 * clevertap/resume` on a server. From that call it measures
 *
 * - the time to the first request arriving at the emulator, and
 * - records/s up to the last answer, as a share of the ceiling concurrency × 1000 records / 1 s.
 *
 * Configurations: SQLite with one `pcbridge serve` process, PostgreSQL with three processes on
 * one schema (as test/delivery/delivery-multi-node.test.ts runs several instances), each at
 * concurrency 3 and 15. The servers are compiled the way `npm start` runs them.
 *
 * Backlog size: a whole number of rounds of full requests, so the share measures pacing rather
 * than rounding: 8 rounds at concurrency 3 (24,000 records, as the issue measured) and 4 rounds
 * at 15 (60,000; 24,000 would be 24 requests over 15 slots, two rounds of 1 s for 1.6 rounds of
 * work, at most 0.8 of the ceiling whatever the bridge does). One record per user, so a user's
 * order never holds a batch back.
 *
 * The library baseline: the `clevertap` package's `upload()` (batches of at most 100 records,
 * each sent after the previous answer) against the same emulator at 1 s, with the records of the
 * backlog. It sends one request at a time, so it runs at concurrency 1 on a smaller count
 * (LIBRARY_RECORDS); its rate does not depend on the count beyond the first request.
 *
 * Run alone: `node --import tsx bench/resume-drain.ts [sqlite-3 sqlite-15 postgres-3 postgres-15]`;
 * with PCBRIDGE_BENCH_TIMELINE_DIR set, each drain's request timeline is written there as JSON.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { TimelineEntry } from '../tools/clevertap-emulator/index.js';
import {
  ACCOUNT,
  buildServer,
  createBed,
  createPostgresSchema,
  insertBacklog,
  launchBuiltServer,
  recordBody,
  startEmulatorProcess,
  waitUntil,
  type Bed,
  type BuiltServer,
  type EmulatorProcess,
} from './delivery.js';
import { formatBenchTable, type BenchRow } from './table.js';

const LATENCY_MS = 1000;
const LIBRARY_RECORDS = 500;
const ADMIN_TOKEN = 'bench-admin-token-0123456789'; // the one createBed sets

/** Milliseconds since the Unix epoch with sub-millisecond precision, comparable with the emulator's timeline. */
const preciseNow = (): number => performance.timeOrigin + performance.now();

export interface DrainConfig {
  store: 'sqlite' | 'postgres';
  processes: number;
  concurrency: number;
  records: number;
}

export const DRAIN_CONFIGS: Record<string, DrainConfig> = {
  'sqlite-3': { store: 'sqlite', processes: 1, concurrency: 3, records: 24_000 },
  'sqlite-15': { store: 'sqlite', processes: 1, concurrency: 15, records: 60_000 },
  'postgres-3': { store: 'postgres', processes: 3, concurrency: 3, records: 24_000 },
  'postgres-15': { store: 'postgres', processes: 3, concurrency: 15, records: 60_000 },
};

/** What one drain measured. */
export interface DrainResult {
  config: DrainConfig;
  firstRequestMs: number;
  rate: number;
  share: number;
  seconds: number;
  requests: number;
  shortRequests: number;
  notOk: number;
  maxInFlight: number;
  /** Median and largest time from an answer to the request that refilled its slot (see slotGaps). */
  gapMedianMs: number;
  gapMaxMs: number;
}

function label(c: DrainConfig): string {
  return `${c.store === 'sqlite' ? 'SQLite, 1 process' : `PostgreSQL, ${c.processes} processes`}, concurrency ${c.concurrency}`;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

/**
 * How long a freed slot stayed empty: each request after the first is paired with the latest
 * answer before it not yet paired (a slot never refilled — fewer requests in flight than the
 * limit — leaves its answer unpaired rather than making every later gap look long).
 */
function slotGaps(timeline: readonly TimelineEntry[]): number[] {
  const events = [
    ...timeline.map((e) => ({ at: e.arrivedAt, answer: false })),
    ...timeline.flatMap((e) => (e.answeredAt === null ? [] : [{ at: e.answeredAt, answer: true }])),
  ].sort((a, b) => a.at - b.at || Number(b.answer) - Number(a.answer));
  const unpaired: number[] = [];
  const gaps: number[] = [];
  for (const e of events) {
    if (e.answer) unpaired.push(e.at);
    else if (unpaired.length > 0) gaps.push(e.at - unpaired.pop()!);
  }
  return gaps;
}

async function adminFetch(server: BuiltServer, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(init.headers ?? {}) } });
}

/** One drain from a resume (see the file comment). */
export async function measureDrain(config: DrainConfig, log: (line: string) => void = () => undefined): Promise<DrainResult> {
  const main = buildServer();
  const emu = await startEmulatorProcess(LATENCY_MS, ['--all-401', '--count-only']);
  const schema = config.store === 'postgres' ? await createPostgresSchema() : null;
  const servers: BuiltServer[] = [];
  let bed: Bed | null = null;
  try {
    bed = await createBed(emu.url, { PCBRIDGE_CLEVERTAP_CONCURRENCY: String(config.concurrency), ...(schema ? { DATABASE_URL: schema.url } : {}) });
    const { ctx, appId } = bed;
    log(`resume drain (${label(config)}): writing ${config.records} records…`);
    await insertBacklog(ctx, appId, config.records, config.records);
    const env = bed.env;
    servers.push(...(await Promise.all(Array.from({ length: config.processes }, () => launchBuiltServer(main, env)))));

    // The servers send, the emulator answers 401, the account pauses with the backlog pending
    // (the refused batch goes back to pending at once).
    await waitUntil(
      async () => {
        const paused = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM accounts WHERE auth_state = 'auth_failed'`);
        const pending = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE state = 'pending'`);
        return Number(paused?.n) === 1 && Number(pending?.n) === config.records;
      },
      60_000,
      'the account to pause on 401 with every record pending',
    );
    await emu.setFaults({ all401: false });
    await emu.clear();

    log(`resume drain (${label(config)}): resuming and draining…`);
    const resumedAt = preciseNow();
    const res = await adminFetch(servers[0]!, `/api/v1/apps/${appId}/integrations/clevertap/resume`, { method: 'POST' });
    const body = (await res.json()) as { accounts?: { wasPaused: boolean }[] };
    if (res.status !== 200 || body.accounts?.[0]?.wasPaused !== true) throw new Error(`resume answered ${res.status} ${JSON.stringify(body)}`);
    await waitUntil(async () => (await emu.stats()).records >= config.records, 300_000, `${config.records} records at the emulator`);
    const timeline = (await emu.timeline()).filter((e) => e.account === ACCOUNT.accountId);
    const dumpDir = process.env.PCBRIDGE_BENCH_TIMELINE_DIR;
    if (dumpDir) {
      const file = join(dumpDir, `resume-drain-${config.store}-${config.concurrency}.json`);
      writeFileSync(file, JSON.stringify({ config, resumedAt, timeline }, null, 1));
      log(`resume drain: timeline written to ${file}`);
    }
    const stats = await emu.stats();
    const first = Math.min(...timeline.map((e) => e.arrivedAt));
    const last = Math.max(...timeline.map((e) => e.answeredAt ?? -Infinity));
    const seconds = (last - resumedAt) / 1000;
    const rate = config.records / seconds;
    const gaps = slotGaps(timeline);
    return {
      config,
      firstRequestMs: first - resumedAt,
      rate,
      share: rate / (config.concurrency * 1000),
      seconds,
      requests: timeline.length,
      shortRequests: timeline.filter((e) => e.status === 200 && (e.records ?? 0) < 950).length,
      notOk: timeline.filter((e) => e.status !== 200).length,
      maxInFlight: stats.accounts[ACCOUNT.accountId]?.maxConcurrency ?? 0,
      gapMedianMs: median(gaps),
      gapMaxMs: gaps.length > 0 ? Math.max(...gaps) : Number.NaN,
    };
  } catch (err) {
    const said = servers.map((s) => s.output().slice(-1500)).join('\n---\n');
    throw new Error(`${(err as Error).message}${said ? `; the servers said: ${said}` : ''}`, { cause: err });
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
    await bed?.close();
    await schema?.drop();
    await emu.close();
  }
}

interface CleverTapClient {
  api: { apiEndpoint: string };
  upload(data: unknown[], options?: { batchSize?: number }): Promise<unknown>;
}

/**
 * CleverTap's Node library (`clevertap` 1.3.0), `upload()` of the backlog's records at 1 s
 * latency: records/s. The library builds every URL as `${this.api.apiEndpoint}/${endpoint}`
 * with `apiEndpoint = https://{region}.api.clevertap.com/1` set in its constructor
 * (lib/clevertap-api.js), so setting that property on the instance points it at the emulator's
 * region-aware base; nothing in node_modules changes. It sends batches of at most 100 records,
 * each after the previous answer, with node-fetch over Node's global agent.
 */
export async function measureLibrary(records: number = LIBRARY_RECORDS): Promise<number> {
  const require = createRequire(import.meta.url);
  const CleverTap = require('clevertap') as { init(accountId: string, passcode: string, region: string): CleverTapClient };
  const emu: EmulatorProcess = await startEmulatorProcess(LATENCY_MS);
  try {
    const client = CleverTap.init(ACCOUNT.accountId, ACCOUNT.passcode, 'eu1');
    client.api.apiEndpoint = `${emu.url}/eu1/1`;
    const data = Array.from({ length: records }, (_, i) => ({ identity: `bench-user-${i}`, ...(JSON.parse(recordBody(i, `bench-user-${i}`)) as object) }));
    const started = performance.now();
    await client.upload(data);
    const seconds = (performance.now() - started) / 1000;
    const stats = await emu.stats();
    if (stats.records !== records) throw new Error(`the library delivered ${stats.records} of ${records} records (${JSON.stringify(stats.statusCounts)})`);
    return records / seconds;
  } finally {
    await emu.close();
  }
}

const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Rows of one drain, with the library's rate for the ratio (null: not measured). */
export function drainRows(r: DrainResult, libraryRate: number | null): BenchRow[] {
  const name = `resume drain (${label(r.config)}, ${r.config.records / 1000}k backlog, 1 s latency)`;
  const ceiling = r.config.concurrency * 1000;
  const rows: BenchRow[] = [
    { name: `${name}: share of the ceiling (${ceiling} records/s)`, value: round(r.share, 2), unit: '×', target: '>= 0.95', pass: r.share >= 0.95 },
    { name: `${name}: records/s from the resume to the last answer`, value: Math.round(r.rate), unit: 'records/s' },
    { name: `${name}: resume → first request`, value: round(r.firstRequestMs), unit: 'ms', target: '<= 150', pass: r.firstRequestMs <= 150 },
    { name: `${name}: answer → the request refilling its slot, median / max`, value: `${round(r.gapMedianMs)} / ${round(r.gapMaxMs)}`, unit: 'ms' },
    { name: `${name}: requests (of which < 950 records, not 200)`, value: `${r.requests} (${r.shortRequests}, ${r.notOk})`, unit: 'requests' },
    { name: `${name}: most requests in flight at once`, value: r.maxInFlight, unit: 'requests', target: `<= ${r.config.concurrency}`, pass: r.maxInFlight <= r.config.concurrency },
  ];
  if (libraryRate !== null) {
    const ratio = r.rate / libraryRate;
    const target = r.config.concurrency === 3 ? 28 : r.config.concurrency === 15 ? 140 : null;
    rows.push({
      name: `${name}: × the clevertap library's upload()`,
      value: round(ratio, 1),
      unit: '×',
      ...(target !== null ? { target: `>= ${target}`, pass: ratio >= target } : {}),
    });
  }
  return rows;
}

/** The library baseline, then every drain configuration named (all by default). */
export async function benchResumeDrain(
  names: readonly string[] = Object.keys(DRAIN_CONFIGS),
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<BenchRow[]> {
  log(`clevertap library: upload() of ${LIBRARY_RECORDS} records at 1 s latency…`);
  const libraryRate = await measureLibrary();
  const rows: BenchRow[] = [
    {
      name: `clevertap library 1.3.0 upload(): ${LIBRARY_RECORDS} records, 1 s latency (sequential ≤ 100-record requests, concurrency 1)`,
      value: round(libraryRate, 1),
      unit: 'records/s',
    },
  ];
  for (const name of names) {
    const config = DRAIN_CONFIGS[name];
    if (config === undefined) throw new Error(`unknown drain configuration ${name}; use ${Object.keys(DRAIN_CONFIGS).join(', ')}`);
    rows.push(...drainRows(await measureDrain(config, log), libraryRate));
  }
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const names = process.argv.slice(2);
  process.stdout.write(`${formatBenchTable(await benchResumeDrain(names.length > 0 ? names : undefined))}\n`);
  process.exit(0);
}
