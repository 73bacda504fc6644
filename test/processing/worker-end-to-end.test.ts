import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createProcessingWorker } from '../../src/processing/processing-worker.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, readEventStatus, readRecords, storeSettings } from './helpers.js';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

const STARTED_ID = '1a03612c-4960-40be-bc69-eeab14f9c6e9';

describe.each(DIALECTS)('the processing worker (%s)', (dialect) => {
  let t: TestContext;
  let clock: ReturnType<typeof createManualClock>;
  beforeEach(async () => {
    clock = createManualClock(Date.UTC(2026, 0, 1));
    t = await createTestContext(dialect, { clock });
  });
  afterEach(async () => {
    await t.close();
  });

  it('processes stored events on its own, once holdFor passed skips the held ones, and counts both', async () => {
    const { appId } = await createTestApp(t.ctx);
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', identity: { holdFor: '30m' } }));
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));

    const worker = createProcessingWorker(t.ctx, { idleMs: 20, sweepIntervalMs: 20 });
    try {
      await waitFor(async () => (await readEventStatus(t.ctx, appId, STARTED_ID)).status === 'held', 10_000);
      clock.advance(30 * 60_000);
      await waitFor(async () => (await readEventStatus(t.ctx, appId, STARTED_ID)).status === 'skipped', 10_000);
    } finally {
      await worker.stop();
    }
    expect(await readEventStatus(t.ctx, appId, STARTED_ID)).toEqual({ status: 'skipped', reason: 'no_identity' });
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toContain('pcbridge_processed_events_total 1');
    expect(metrics).toContain('pcbridge_outbox_records_written_total 2');
    expect(metrics).toContain('pcbridge_held_expired_events_total 1');
    expect((await readRecords(t.ctx, appId)).map((r) => [r.kind, r.state, r.reason])).toEqual([
      ['event', 'skipped', 'no_identity'],
      ['profile', 'skipped', 'no_identity'],
    ]);
  });
});

describe.each(DIALECTS)('signed webhook to outbox through a running pcbridge serve (%s)', (dialect) => {
  let t: TestContext;
  let server: ServerProcess | null = null;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => {
    await server?.stop('SIGKILL');
    server = null;
    await t.close();
  });

  it('a signed ACTIVATE webhook becomes its event and profile records in the outbox', async () => {
    server = await startServeProcess({ ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' });
    const created = await fetch(`${server.baseUrl}/api/v1/apps`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'E2E', webhookSecret: 'foobar' }),
    });
    const { id: appId } = (await created.json()) as { id: string };
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));

    const body = JSON.stringify(fixture('ACTIVATE'));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${server.baseUrl}/webhooks/purchasely/${appId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-purchasely-timestamp': timestamp,
        'x-purchasely-request-signature': signPurchaselyRequest('foobar', timestamp, body),
      },
      body,
    });
    expect(res.status).toBe(200);

    await waitFor(async () => (await readRecords(t.ctx, appId)).length === 2, 15_000);
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.kind, r.userKey, (r.body as { evtName?: string }).evtName ?? null])).toEqual([
      ['event', 'toto', 'ACTIVATE'],
      ['profile', 'toto', null],
    ]);
    // On SQLite processing ran in its own thread: its counts still reach this process's /metrics.
    await waitFor(async () => {
      const metrics = await (await fetch(`${server!.baseUrl}/metrics`, { headers: AUTH })).text();
      return metrics.includes('pcbridge_processed_events_total 1') && metrics.includes('pcbridge_outbox_records_written_total 2');
    }, 5_000);
  }, 60_000);
});
