/**
 * Processing alone: the end-to-end workload (100,000 events of 10,000 users, every event and
 * user property enabled) imported into SQLite, then `processBatch` run back to back in this
 * thread with the serve settings (200 events, 150 ms budget), no delivery. Wall time and this
 * process's CPU time: what processing costs per event, without the write lock shared with
 * delivery. A diagnostic for the end-to-end row, not part of `npm run bench`.
 *
 * Run alone: `node --import tsx bench/processing.ts` (PCBRIDGE_BENCH_E2E_USERS scales it down;
 * PCBRIDGE_BENCH_PROFILE=file.cpuprofile writes a CPU profile of the processing part only).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createApp } from '../src/apps/apps-service.js';
import { loadConfig } from '../src/config.js';
import { importEvents } from '../src/import/import-events.js';
import { saveIntegrationSettings } from '../src/settings/integration-settings-service.js';
import { createLogger } from '../src/logger.js';
import { processBatch } from '../src/processing/process-batch.js';
import { openContext } from '../src/runtime/runtime.js';
import { defaultIntegrationSettings } from '../src/settings/defaults.js';
import { enableAll } from '../src/settings/enable-all.js';
import { END_TO_END_ACCOUNT, END_TO_END_EVENTS_PER_USER, END_TO_END_USERS, generateLines } from './end-to-end.js';
import { formatBenchTable, type BenchRow } from './table.js';

export async function benchProcessing(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-bench-processing-'));
  const env: Record<string, string> = {
    DATABASE_URL: `sqlite:${join(dir, 'pcbridge.db')}`,
    PCBRIDGE_ADMIN_TOKEN: 'bench-processing-admin-token',
    PCBRIDGE_SECRET_KEY: randomBytes(32).toString('base64'),
    PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  };
  const events = END_TO_END_USERS * END_TO_END_EVENTS_PER_USER;
  try {
    const { ctx } = await openContext(loadConfig(env), { logger: createLogger('warn') });
    const app = await createApp(ctx, { name: 'Bench processing', webhookSecret: 'bench-processing-secret' });
    const everything = enableAll(enableAll(defaultIntegrationSettings(), 'events'), 'userProperties');
    await saveIntegrationSettings(
      ctx,
      app.id,
      { ...everything, enabled: true, accountId: END_TO_END_ACCOUNT.accountId, passcode: END_TO_END_ACCOUNT.passcode, sandbox: 'same_account' },
      'put',
    );
    log(`processing: importing ${events} events…`);
    await importEvents(ctx, { appId: app.id, lines: generateLines() });
    log('processing: processing them…');
    const profileTo = process.env.PCBRIDGE_BENCH_PROFILE;
    const session = profileTo ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    let processed = 0;
    let records = 0;
    for (;;) {
      const r = await processBatch(ctx, { limit: 200, budgetMs: 150 });
      if (r.processed === 0) break;
      processed += r.processed;
      records += r.records;
    }
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    if (session && profileTo) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      session.disconnect();
    }
    await ctx.store.close();
    return [
      { name: `processing alone: ${events / 1000}k events, SQLite, one thread`, value: Math.round(processed / seconds), unit: 'events/s' },
      { name: 'processing alone: records written per second', value: Math.round(records / seconds), unit: 'records/s' },
      { name: 'processing alone: CPU time per 1000 events', value: Math.round((cpuSeconds / processed) * 1000 * 1000), unit: 'ms' },
      { name: 'processing alone: events / records', value: `${processed} / ${records}`, unit: '' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${formatBenchTable(await benchProcessing())}\n`);
  process.exit(0);
}
