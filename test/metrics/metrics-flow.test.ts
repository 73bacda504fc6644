/**
 * The delivery metrics move as traffic flows: signed webhooks are stored (the processing backlog
 * rises), processed (it falls back; a record for a user without a CleverTap ID is held) and
 * delivered to the emulator (attempts by outcome, the receipt-to-delivery histogram), while a
 * second app's refused passcode pauses its account (auth_failed). Scraped through GET /metrics
 * with the scrape-only token, before and after, on both stores. The Grafana dashboard and the
 * alert rules are then checked against a live scrape: every metric they name exists.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import type { AppContext } from '../../src/context.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { buildApp } from '../../src/http/app.js';
import { createProcessingWorker } from '../../src/processing/processing-worker.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { waitFor } from '../delivery/helpers.js';
import { allEnabledSettingsIn, fixture, storeSettings, type FixtureName } from '../processing/helpers.js';
import { exprsIn, metricNamesIn, sampledNames, sampleValue } from './helpers.js';

const METRICS_TOKEN = 'scrape-only-token-flow-0123456789';
const SECRET = 'purchasely-shared-secret';
const GOOD = { accountId: 'W9R-METRICS-OK', passcode: 'right-passcode' };
const REFUSED = { accountId: 'W9R-METRICS-REFUSED', passcode: 'right-passcode' };

const DASHBOARD = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as unknown;
const ALERTS = readFileSync(new URL('../../docs/prometheus-alerts.yml', import.meta.url), 'utf8');

/** Metrics Prometheus makes itself (not on /metrics) that the alert rules may use. */
const PROMETHEUS_OWN = new Set(['up']);

/** The `expr` of each rule: inline, or a `|` block (the lines indented deeper than `expr:`). */
function alertExprs(yaml: string): string[] {
  const lines = yaml.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    const match = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!match) return;
    if (match[2] !== '|') return void out.push(match[2]!);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === '' || lines[j]!.search(/\S/) > match[1]!.length); j++) block.push(lines[j]!.trim());
    out.push(block.join(' ').trim());
  });
  return out;
}

async function appWithIntegration(ctx: AppContext, accountId: string, passcode: string): Promise<string> {
  const app = await createApp(ctx, { name: `metrics ${accountId}`, webhookSecret: SECRET });
  await storeSettings(ctx, app.id, allEnabledSettingsIn({ accountId, sandbox: 'same_account' }));
  await ctx.store.db.run(`UPDATE integrations SET passcode_enc = ? WHERE app_id = ?`, [ctx.secrets.encrypt(passcode), app.id]);
  return app.id;
}

describe.each(DIALECTS)('metrics as traffic flows (%s)', (dialect) => {
  let t: TestContext;
  let emu: ClevertapEmulator;
  let app: FastifyInstance;
  const workers: BackgroundWorker[] = [];
  /** The scrape after all the traffic, for the dashboard and alert checks. */
  let finalScrape = '';

  const scrape = async (): Promise<string> => {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const post = async (appId: string, name: FixtureName): Promise<void> => {
    const body = JSON.stringify(fixture(name));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await app.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${appId}`,
      headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
  };

  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [GOOD, REFUSED] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_RETRY_SCHEDULE: '50ms', PCBRIDGE_METRICS_TOKEN: METRICS_TOKEN } });
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await app?.close();
    await t?.close();
    await emu?.close();
  });

  it('moves every new delivery metric: backlog, held, attempts by outcome, latency, paused accounts', async () => {
    const good = await appWithIntegration(t.ctx, GOOD.accountId, GOOD.passcode);
    const refused = await appWithIntegration(t.ctx, REFUSED.accountId, 'wrong-passcode');
    const before = await scrape();
    expect(sampleValue(before, 'pcbridge_unprocessed_events')).toBe(0);
    expect(sampleValue(before, 'pcbridge_outbox_records{state="held"}')).toBe(0);
    expect(sampleValue(before, 'pcbridge_clevertap_accounts_auth_failed')).toBe(0);

    // Stored, not processed yet: the processing backlog shows them.
    await post(good, 'ACTIVATE'); // user_id "toto": delivered
    await post(good, 'SUBSCRIPTION_STARTED'); // anonymous, no CleverTap ID: held
    await post(refused, 'ACTIVATE'); // the refused passcode: the account pauses
    const stored = await scrape();
    expect(sampleValue(stored, 'pcbridge_unprocessed_events')).toBe(3);

    workers.push(createProcessingWorker(t.ctx, { idleMs: 20 }), createDeliveryWorker(t.ctx, { refreshMs: 100 }));
    let after = '';
    await waitFor(
      async () => {
        after = await scrape();
        return (
          sampleValue(after, 'pcbridge_unprocessed_events') === 0 &&
          sampleValue(after, 'pcbridge_clevertap_accounts_auth_failed') === 1 &&
          sampleValue(after, 'pcbridge_delivery_latency_seconds_count') >= 2 &&
          sampleValue(after, 'pcbridge_outbox_records{state="held"}') >= 1
        );
      },
      20_000,
      'processing, delivery and the auth failure to show on /metrics',
    );

    // Attempts by outcome: the good account's upload succeeded, the refused one's got auth_failed.
    expect(sampleValue(after, 'pcbridge_clevertap_requests_total{outcome="success"}')).toBeGreaterThan(sampleValue(before, 'pcbridge_clevertap_requests_total{outcome="success"}'));
    expect(sampleValue(after, 'pcbridge_clevertap_requests_total{outcome="auth_failed"}')).toBeGreaterThan(
      sampleValue(before, 'pcbridge_clevertap_requests_total{outcome="auth_failed"}'),
    );
    // The held record, and the paused account's records waiting as pending.
    expect(sampleValue(after, 'pcbridge_outbox_records{state="held"}')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'pcbridge_outbox_records{state="pending"}')).toBeGreaterThanOrEqual(1);
    // Every delivered record observed once, from its event's receipt to its delivery.
    const delivered = await t.ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE state = 'delivered'`);
    expect(sampleValue(after, 'pcbridge_delivery_latency_seconds_count')).toBe(Number(delivered!.n));
    expect(sampleValue(after, 'pcbridge_records_settled_total{fate="delivered"}')).toBe(Number(delivered!.n));
    expect(sampleValue(after, 'pcbridge_delivery_latency_seconds_sum')).toBeGreaterThan(0);
    expect(sampleValue(after, 'pcbridge_delivery_latency_seconds_sum')).toBeLessThan(60 * Number(delivered!.n));
    expect(sampleValue(after, 'pcbridge_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(Number(delivered!.n));

    // A CleverTap ID for the held user releases its records: the held gauge falls, deliveries rise.
    const held = await t.ctx.store.db.get<{ user_key: string }>(`SELECT user_key FROM records WHERE state = 'held' LIMIT 1`);
    const setId = await app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${good}/users/${encodeURIComponent(held!.user_key)}/attributes`,
      headers: { authorization: `Bearer ${t.env.PCBRIDGE_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      payload: { clevertap_id: 'ct-metrics-1' },
    });
    expect(setId.statusCode).toBe(200);
    const deliveredBefore = sampleValue(after, 'pcbridge_delivery_latency_seconds_count');
    await waitFor(
      async () => {
        finalScrape = await scrape();
        return sampleValue(finalScrape, 'pcbridge_outbox_records{state="held"}') === 0 && sampleValue(finalScrape, 'pcbridge_delivery_latency_seconds_count') > deliveredBefore;
      },
      20_000,
      'the released records to be delivered',
    );
  }, 60_000);

  it('the Grafana dashboard queries only metrics that a live /metrics exposes', () => {
    expect(finalScrape).not.toBe('');
    const exprs = exprsIn(DASHBOARD);
    expect(exprs.length).toBeGreaterThan(10);
    const exposed = sampledNames(finalScrape);
    const missing: string[] = [];
    for (const expr of exprs) {
      const names = metricNamesIn(expr);
      expect(names.length, `no metric name found in ${expr}`).toBeGreaterThan(0);
      for (const name of names) if (!exposed.has(name)) missing.push(`${name} (in ${expr})`);
    }
    expect(missing).toEqual([]);
  });

  it("the alert rules read only metrics that a live /metrics exposes (and Prometheus's own `up`)", () => {
    const exprs = alertExprs(ALERTS);
    expect(exprs.length).toBe(7);
    const exposed = sampledNames(finalScrape);
    const missing: string[] = [];
    for (const expr of exprs) {
      const names = metricNamesIn(expr);
      expect(names.length, `no metric name found in ${expr}`).toBeGreaterThan(0);
      for (const name of names) if (!exposed.has(name) && !PROMETHEUS_OWN.has(name)) missing.push(`${name} (in ${expr})`);
    }
    expect(missing).toEqual([]);
  });
});
