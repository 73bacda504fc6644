import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryMetrics } from '../../src/delivery/delivery-metrics.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { buildApp } from '../../src/http/app.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, summarizeArrivals, waitFor } from './helpers.js';

describe.each(DIALECTS)('delivery basics (%s)', (dialect) => {
  let t: TestContext;
  let emu: ClevertapEmulator;
  let worker: BackgroundWorker | null = null;

  beforeEach(async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_RETRY_SCHEDULE: '50ms,100ms' } });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t.close();
    await emu.close();
  });

  it('delivers pending records with the user_id as identity, logs the attempt and marks the events delivered', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const ids = await insertRecords(t.ctx, appId, [
      { userId: 'alice', n: 1 },
      { userId: 'bob', n: 2 },
      { userId: 'alice', n: 3 },
    ]);
    worker = createDeliveryWorker(t.ctx);
    await waitFor(() => emu.records().length === 3, 10_000, 'three records at CleverTap');

    const stored = emu.records({ identity: 'alice' }).map((s) => (s.record as { evtData: { n: number } }).evtData.n);
    expect(stored).toEqual([1, 3]);
    await waitFor(async () => (await countByState(t.ctx)).delivered === 3, 5000, 'records delivered');

    const rows = await t.ctx.store.db.all<{ id: number; identifier_json: string; attempts: number; delivered_at: number | null }>(
      `SELECT id, identifier_json, attempts, delivered_at FROM records ORDER BY id`,
    );
    expect(rows.map((r) => JSON.parse(r.identifier_json))).toEqual([{ identity: 'alice' }, { identity: 'bob' }, { identity: 'alice' }]);
    expect(rows.every((r) => Number(r.attempts) === 1 && r.delivered_at !== null)).toBe(true);

    const attempts = await t.ctx.store.db.all<{ id: number; outcome: string; http_status: number; record_count: number }>(`SELECT * FROM attempts`);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ outcome: 'success', http_status: 200, record_count: 3 });
    const links = await t.ctx.store.db.all<{ record_id: number }>(`SELECT record_id FROM attempt_records ORDER BY record_id`);
    expect(links.map((l) => Number(l.record_id))).toEqual(ids);

    const events = await t.ctx.store.db.all<{ status: string; late: number }>(`SELECT status, late FROM events`);
    expect(events.map((e) => e.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(events.every((e) => Number(e.late) === 0)).toBe(true);

    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toContain('pcbridge_clevertap_requests_total{outcome="success"} 1');
    expect(metrics).toContain('pcbridge_clevertap_records_sent_total 3');
    expect(metrics).toContain('pcbridge_records_settled_total{fate="delivered"} 3');
    expect(metrics).toContain('pcbridge_clevertap_request_seconds_count 1');
    expect(metrics).toContain('pcbridge_outbox_records{state="pending"} 0');
  });

  it('reports the records waiting in the outbox, by state, on /metrics', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    await insertRecords(t.ctx, appId, [
      { userId: 'erin', n: 1 },
      { userId: 'erin', n: 2 },
      { userId: null, anonymousUserId: 'anon-1', n: 3, state: 'held' },
    ]);
    createDeliveryMetrics(t.ctx.metrics.registry, t.ctx.store);
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toContain('pcbridge_outbox_records{state="pending"} 2');
    expect(metrics).toContain('pcbridge_outbox_records{state="in_flight"} 0');
    expect(metrics).toContain('pcbridge_outbox_records{state="held"} 1');
  });

  it('fails only the record CleverTap rejects, keeping its code and message', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    await insertRecords(t.ctx, appId, [
      { userId: 'carol', n: 1 },
      // "App Launched" is one of CleverTap's system events: code 513, documented.
      { userId: 'carol', n: 2, evtName: 'App Launched' },
      { userId: 'dave', n: 3 },
    ]);
    worker = createDeliveryWorker(t.ctx);
    await waitFor(
      async () => {
        const c = await countByState(t.ctx);
        return c.delivered === 2 && c.failed === 1;
      },
      10_000,
      'two delivered and one failed',
    );

    const failed = await t.ctx.store.db.get<{ last_code: number; last_message: string; attempts: number; event_seq: number }>(
      `SELECT last_code, last_message, attempts, event_seq FROM records WHERE state = 'failed'`,
    );
    expect(Number(failed!.last_code)).toBe(513);
    expect(failed!.last_message).toMatch(/Skipped record number : 2/);
    expect(Number(failed!.attempts)).toBe(1);
    const event = await t.ctx.store.db.get<{ status: string; event_id: string }>(`SELECT status, event_id FROM events WHERE seq = ?`, [failed!.event_seq]);
    expect(event!.status).toBe('failed');
    expect(emu.records().map((s) => (s.record as { evtData: { n: number } }).evtData.n)).toEqual([1, 3]);
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toContain('pcbridge_clevertap_requests_total{outcome="partial"} 1');
    expect(metrics).toContain('pcbridge_records_settled_total{fate="delivered"} 2');
    expect(metrics).toContain('pcbridge_records_settled_total{fate="failed"} 1');

    // The operator sees CleverTap's code and message on the event's detail page.
    const app = await buildApp(t.ctx);
    try {
      const res = await app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${event!.event_id}`, headers: AUTH });
      expect(res.statusCode).toBe(200);
      const detail = res.json() as {
        status: string;
        records: { state: string; lastCode: number | null; lastMessage: string | null }[];
        attempts: { httpStatus: number; outcome: string }[];
      };
      expect(detail.status).toBe('failed');
      expect(detail.records).toMatchObject([{ state: 'failed', lastCode: 513 }]);
      expect(detail.records[0]!.lastMessage).toMatch(/Skipped record number : 2/);
      expect(detail.attempts).toMatchObject([{ httpStatus: 200, outcome: 'partial' }]);
    } finally {
      await app.close();
    }
  });

  it('flags records and events delivered more than two hours after the event as late', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const threeHoursAgo = Date.now() - 3 * 60 * 60 * 1000;
    await insertRecords(t.ctx, appId, [
      { userId: 'erin', n: 1, createdAt: threeHoursAgo },
      { userId: 'erin', n: 2 },
    ]);
    worker = createDeliveryWorker(t.ctx);
    await waitFor(async () => (await countByState(t.ctx)).delivered === 2, 10_000, 'records delivered');
    const rows = await t.ctx.store.db.all<{ late: number }>(`SELECT r.late FROM records r ORDER BY r.id`);
    expect(rows.map((r) => Number(r.late))).toEqual([1, 0]);
    const events = await t.ctx.store.db.all<{ late: number }>(`SELECT late FROM events ORDER BY seq`);
    expect(events.map((e) => Number(e.late))).toEqual([1, 0]);
  });

  it('retries a batch after a 5xx without losing or reordering anything', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    emu.setFaults({ errorRate: 1 });
    await insertRecords(t.ctx, appId, [
      { userId: 'frank', n: 1 },
      { userId: 'frank', n: 2 },
    ]);
    worker = createDeliveryWorker(t.ctx);
    await waitFor(async () => Number((await t.ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM attempts`))!.n) >= 1, 5000, 'a failed attempt');
    emu.setFaults({ errorRate: 0 });
    await waitFor(async () => (await countByState(t.ctx)).delivered === 2, 10_000, 'records delivered');
    expect(summarizeArrivals(emu.records())).toEqual({ distinct: 2, duplicates: 0, outOfOrderUsers: [] });
    const rows = await t.ctx.store.db.all<{ attempts: number }>(`SELECT attempts FROM records`);
    expect(rows.every((r) => Number(r.attempts) >= 2)).toBe(true);
  });

  it('fails records once the retry schedule is exhausted', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    emu.setFaults({ errorRate: 1 });
    await insertRecords(t.ctx, appId, [{ userId: 'gina', n: 1 }]);
    worker = createDeliveryWorker(t.ctx);
    // Schedule 50ms,100ms: three attempts, then failed.
    await waitFor(async () => (await countByState(t.ctx)).failed === 1, 10_000, 'record failed');
    const row = await t.ctx.store.db.get<{ attempts: number; last_code: number }>(`SELECT attempts, last_code FROM records`);
    expect(Number(row!.attempts)).toBe(3);
    expect(Number(row!.last_code)).toBe(503);
  });
});
