/**
 * End to end (SPEC §7 "delivery", issue 8): 100,000 Purchasely events of 10,000 users loaded
 * first with `pcbridge import`'s code, every event and user property enabled; then a compiled
 * `pcbridge serve` (as `npm start` runs it) processes and delivers them to the CleverTap emulator
 * (no latency). The clock runs from the server's start until every record is delivered.
 *
 * Run alone: `node --import tsx bench/end-to-end.ts`; with the others: `npm run bench`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { createApp } from '../src/apps/apps-service.js';
import { loadConfig } from '../src/config.js';
import { importEvents } from '../src/import/import-events.js';
import type { NdjsonLine } from '../src/import/read-ndjson.js';
import { saveIntegrationSettings } from '../src/settings/integration-settings-service.js';
import { createLogger } from '../src/logger.js';
import { openContext } from '../src/runtime/runtime.js';
import { defaultIntegrationSettings } from '../src/settings/defaults.js';
import { enableAll } from '../src/settings/enable-all.js';
import { startClevertapEmulator } from '../tools/clevertap-emulator/index.js';
import { buildServer, cpuSeconds, startBuiltServer } from './delivery.js';
import { formatBenchTable, type BenchRow } from './table.js';
import { PURCHASELY_FIXTURE_DIR } from '../test/helpers/fixtures.js';

/** PCBRIDGE_BENCH_E2E_USERS scales the run down for profiling; the table's target is for 10,000. */
const USERS = Number(process.env.PCBRIDGE_BENCH_E2E_USERS ?? 10_000);
const EVENTS_PER_USER = 10;
const ACCOUNT = { accountId: 'BENCH-E2E', passcode: 'bench-e2e-passcode' };
const FIXTURES = ['SUBSCRIPTION_STARTED', 'ACTIVATE', 'TRANSACTION_PROCESSED'] as const;
const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;

/**
 * Each user: its own subscription, ten events made from the documented fixtures, one minute
 * apart, with renewals moving the plan price and cumulated revenue (so profiles change).
 */
export function* generateLines(): Generator<NdjsonLine> {
  const templates = FIXTURES.map((name) => JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>);
  const start = Date.UTC(2026, 10, 1);
  let lineNumber = 0;
  for (let user = 0; user < USERS; user++) {
    for (let i = 0; i < EVENTS_PER_USER; i++) {
      const template = templates[i % templates.length]!;
      const createdMs = start + user * 1000 + i * 60_000;
      const payload = {
        ...template,
        event_id: `e2e-${user}-${i}`,
        user_id: `user-${user}`,
        anonymous_user_id: undefined,
        purchasely_subscription_id: `subs_e2e_${user}`,
        store_transaction_id: `GPA.e2e-${user}..${i}`,
        event_created_at_ms: createdMs,
        event_created_at: new Date(createdMs).toISOString(),
        cumulated_revenues_in_eur: Math.round(9.99 * (i + 1) * 100) / 100,
        plan: i < 5 ? 'monthly' : 'yearly',
      };
      yield { lineNumber: ++lineNumber, text: JSON.stringify(payload) };
    }
  }
}

export async function benchEndToEnd(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BenchRow[]> {
  const main = buildServer();
  // Count-only: CleverTap stores records on its own machines; keeping 200,000 records and
  // their profiles here would spend the bench's two cores on work that is not the bridge's.
  // Every record is still parsed and validated, and counted when accepted.
  const emulator = await startClevertapEmulator({ accounts: [{ ...ACCOUNT }], countOnly: true });
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-bench-e2e-'));
  const dbPath = join(dir, 'pcbridge.db');
  const env: Record<string, string> = {
    DATABASE_URL: `sqlite:${dbPath}`,
    PCBRIDGE_ADMIN_TOKEN: 'bench-e2e-admin-token-123',
    PCBRIDGE_SECRET_KEY: randomBytes(32).toString('base64'),
    PCBRIDGE_CLEVERTAP_BASE_URL: emulator.url,
    LOG_LEVEL: 'warn',
  };
  let server: ChildProcess | null = null;
  try {
    // 1. The backlog, loaded before the clock starts (as `pcbridge import` would).
    const { ctx } = await openContext(loadConfig(env), { logger: createLogger('warn') });
    const app = await createApp(ctx, { name: 'Bench e2e', webhookSecret: 'bench-e2e-secret' });
    const everything = enableAll(enableAll(defaultIntegrationSettings(), 'events'), 'userProperties');
    await saveIntegrationSettings(ctx, app.id, { ...everything, enabled: true, accountId: ACCOUNT.accountId, passcode: ACCOUNT.passcode, sandbox: 'same_account' }, 'put');
    log(`end-to-end: importing ${USERS * EVENTS_PER_USER} events of ${USERS} users…`);
    const summary = await importEvents(ctx, { appId: app.id, lines: generateLines() });
    await ctx.store.close();
    if (summary.imported !== USERS * EVENTS_PER_USER) throw new Error(`imported ${summary.imported} events`);

    // 2. Process and deliver; the clock runs until nothing is left to process or deliver.
    log('end-to-end: processing and delivering through the emulator (no latency)…');
    const started = performance.now();
    server = await startBuiltServer(main, env);
    // Keep the server's last words, for the error when it does not finish.
    let serverOutput = '';
    const keep = (d: Buffer) => (serverOutput = (serverOutput + d.toString()).slice(-4000));
    server.stdout!.on('data', keep);
    server.stderr!.on('data', keep);
    const db = new Database(dbPath, { readonly: true });
    let left = Infinity;
    while (left > 0) {
      await new Promise((r) => setTimeout(r, 250));
      const row = db
        .prepare(`SELECT (SELECT COUNT(*) FROM events WHERE status = 'received') + (SELECT COUNT(*) FROM records WHERE state IN ('pending', 'in_flight', 'held')) AS n`)
        .get() as { n: number };
      left = row.n;
      if (performance.now() - started > 600_000) throw new Error(`not done after 10 minutes (${left} left); the server said: ${serverOutput}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = cpuSeconds(server.pid!);
    // "While a backlog exists": requests that left before processing had taken the last event.
    const totals = db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM records WHERE state = 'delivered') AS delivered,
                (SELECT COUNT(*) FROM records) AS records,
                (SELECT AVG(record_count) FROM attempts WHERE http_status = 200) AS perRequest,
                (SELECT COUNT(*) FROM attempts WHERE http_status = 200) AS requests,
                (SELECT AVG(record_count) FROM attempts
                  WHERE http_status = 200 AND started_at < (SELECT MAX(processed_at) FROM events)) AS perRequestUnderBacklog,
                (SELECT COUNT(*) FROM attempts WHERE http_status = 200 AND record_count < 950) AS shortRequests`,
      )
      .get() as { delivered: number; records: number; perRequest: number; requests: number; perRequestUnderBacklog: number | null; shortRequests: number };
    db.close();
    const received = emulator.stats().records;
    const rate = totals.delivered / seconds;
    return [
      {
        name: `end-to-end: ${(USERS * EVENTS_PER_USER) / 1000}k events / ${USERS / 1000}k users, SQLite, processing + delivery`,
        value: Math.round(rate),
        unit: 'records/s',
        target: '>= 10000',
        pass: rate >= 10_000,
      },
      {
        name: 'end-to-end: records produced / delivered / held by the emulator',
        value: `${totals.records} / ${totals.delivered} / ${received}`,
        unit: 'records',
        target: 'all equal',
        pass: totals.records === totals.delivered && received === totals.delivered,
      },
      { name: `end-to-end: events per second (${(USERS * EVENTS_PER_USER) / 1000}k events)`, value: Math.round((USERS * EVENTS_PER_USER) / seconds), unit: 'events/s' },
      // CPU time is steadier than the wall clock on a shared machine.
      { name: 'end-to-end: CPU time of the serve process (all its threads)', value: Math.round(serverCpu * 10) / 10, unit: 's' },
      { name: 'end-to-end: records per CPU-second of the serve process', value: Math.round(totals.delivered / serverCpu), unit: 'records/s' },
      {
        name: 'end-to-end: records per request while events wait for processing',
        value: totals.perRequestUnderBacklog === null ? 'n/a' : Math.round(totals.perRequestUnderBacklog),
        unit: 'records',
        target: '>= 950',
        pass: totals.perRequestUnderBacklog !== null && totals.perRequestUnderBacklog >= 950,
      },
      {
        name: 'end-to-end: records per request, whole run (requests, of which < 950 records)',
        value: `${Math.round(totals.perRequest)} (${totals.requests}, ${totals.shortRequests})`,
        unit: 'records',
      },
    ];
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatBenchTable(await benchEndToEnd())}\n`);
}

export { ACCOUNT as END_TO_END_ACCOUNT, USERS as END_TO_END_USERS, EVENTS_PER_USER as END_TO_END_EVENTS_PER_USER };
