/**
 * `npm run bench fuzz`: the CI fuzz test at scale. 20,000 fuzzed webhooks (see
 * tools/webhook-fuzzer) per store go through ingest, processing and delivery to the emulator;
 * rows count answers of 500 or more, answers other than the SPEC's, events left unprocessed,
 * acknowledged events missing from the log or unreadable, and plain events that did not end
 * processed. Every count's target is 0. `PCBRIDGE_FUZZ_REQUESTS` changes the size.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createDeliveryWorker } from '../src/delivery/delivery-worker.js';
import { buildApp } from '../src/http/app.js';
import { createProcessingWorker } from '../src/processing/processing-worker.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../src/purchasely/catalog.js';
import { openContext } from '../src/runtime/runtime.js';
import { startClevertapEmulator } from '../tools/clevertap-emulator/index.js';
import { runWebhookFuzz, type FuzzReport, type Send } from '../tools/webhook-fuzzer/run-fuzz.js';
import type { BenchRow } from './table.js';

const TOKEN = 'bench-admin-token-0123456789';
const SECRET = 'bench-fuzz-secret';
const ACCOUNT = { accountId: 'W9R-BENCH-FUZZ', passcode: 'bench-fuzz-passcode' };

export async function benchFuzz(requests = Number(process.env.PCBRIDGE_FUZZ_REQUESTS ?? 20_000)): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const dialect of ['sqlite', 'postgres'] as const) {
    process.stderr.write(`fuzz: ${requests} fuzzed webhooks on ${dialect}…\n`);
    const startedAt = Date.now();
    const report = await fuzzOne(dialect, requests);
    const seconds = (Date.now() - startedAt) / 1000;
    const label = `fuzz (${dialect})`;
    rows.push(
      {
        name: `${label}: requests sent (200 / 401 / 413 / other), ${seconds.toFixed(0)} s`,
        value: `${report.requests} (${report.byStatus['200'] ?? 0} / ${report.byStatus['401'] ?? 0} / ${report.byStatus['413'] ?? 0} / ${report.requests - (report.byStatus['200'] ?? 0) - (report.byStatus['401'] ?? 0) - (report.byStatus['413'] ?? 0)})`,
        unit: 'requests',
      },
      { name: `${label}: answers of 500 or more`, value: report.serverErrors, unit: 'answers', target: '0', pass: report.serverErrors === 0 },
      { name: `${label}: webhook answers other than the SPEC's`, value: report.unexpected.length, unit: 'answers', target: '0', pass: report.unexpected.length === 0 },
      { name: `${label}: events stuck unprocessed`, value: report.stuck, unit: 'events', target: '0', pass: report.stuck === 0 },
      {
        name: `${label}: acknowledged events lost (acknowledged − listed)`,
        value: report.acknowledged - report.listed,
        unit: 'events',
        target: '0',
        pass: report.acknowledged === report.listed,
      },
      { name: `${label}: listed events whose detail fails`, value: report.unreadable, unit: 'events', target: '0', pass: report.unreadable === 0 },
      { name: `${label}: plain events not processed`, value: report.controlsNotProcessed.length, unit: 'events', target: '0', pass: report.controlsNotProcessed.length === 0 },
    );
    for (const line of [...report.unexpected.slice(0, 5), ...report.unreadableSamples]) process.stderr.write(`fuzz: ${line}\n`);
  }
  return rows;
}

async function fuzzOne(dialect: 'sqlite' | 'postgres', requests: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), 'pcbridge-bench-fuzz-'));
  const baseUrl = process.env.PCBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `pcb_fuzz_${randomBytes(6).toString('hex')}`;
  const pgUrl = new URL(baseUrl);
  pgUrl.searchParams.set('schema', schema);
  const emu = await startClevertapEmulator({ accounts: [ACCOUNT] });
  const { ctx } = await openContext(
    loadConfig({
      DATABASE_URL: dialect === 'sqlite' ? `sqlite:${join(dir, 'pcbridge.db')}` : pgUrl.toString(),
      PCBRIDGE_ADMIN_TOKEN: TOKEN,
      PCBRIDGE_SECRET_KEY: randomBytes(32).toString('base64'),
      PCBRIDGE_CLEVERTAP_BASE_URL: emu.url,
      LOG_LEVEL: 'silent',
    }),
  );
  const store = ctx.store;
  const app = await buildApp(ctx);
  const auth = `Bearer ${TOKEN}`;
  const workers = [createProcessingWorker(ctx, { idleMs: 20 }), createDeliveryWorker(ctx)];
  try {
    const created = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: { authorization: auth }, payload: { name: 'fuzz', webhookSecret: SECRET } });
    const appId = (created.json() as { id: string }).id;
    await app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: { authorization: auth },
      payload: {
        enabled: true,
        region: 'eu1',
        ...ACCOUNT,
        sandbox: 'same_account',
        identity: { mode: 'identity' },
        events: Object.fromEntries(EVENT_CATALOG.map((e) => [e.name, { enabled: true }])),
        userProperties: Object.fromEntries(USER_PROPERTY_CATALOG.map((p) => [p.name, { enabled: true }])),
      },
    });
    const send: Send = async ({ method, url, headers, body }) => {
      const res = await app.inject({ method, url, headers, ...(body ? { payload: body } : {}) });
      return { status: res.statusCode, text: res.body };
    };
    return await runWebhookFuzz({ send, appId, secret: SECRET, authorization: auth, requests, seed: 7, concurrency: 32, drainTimeoutMs: 600_000 });
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await app.close();
    await store.close();
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
    if (dialect === 'postgres') {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => client.end());
    }
  }
}
