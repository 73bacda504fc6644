import { beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp, insertEvent, insertRecord } from '../helpers/integrations.js';

const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const MIN = 60_000;

describe.each(DIALECTS)('stats API on %s', (dialect) => {
  const api = useTestApi(dialect, { clock: createManualClock(NOW) });
  let appId: string;
  beforeAll(async () => {
    appId = await createTestApp(api.app, 'Stats');
    const otherApp = await createTestApp(api.app, 'Other');

    // 11:50:00 and 11:50:05, both delivered 1 s and 3 s after receipt.
    const e1 = await insertEvent(api.t, { appId, eventId: 'e1', userKey: 'u1', receivedAt: NOW - 10 * MIN, status: 'delivered' });
    await insertRecord(api.t, { appId, eventSeq: e1, eventId: 'e1', userKey: 'u1', state: 'delivered', createdAt: NOW - 10 * MIN, deliveredAt: NOW - 10 * MIN + 1000 });
    const e2 = await insertEvent(api.t, { appId, eventId: 'e2', userKey: 'u2', receivedAt: NOW - 10 * MIN + 5000, status: 'delivered' });
    await insertRecord(api.t, { appId, eventSeq: e2, eventId: 'e2', userKey: 'u2', state: 'delivered', createdAt: NOW - 10 * MIN + 5000, deliveredAt: NOW - 10 * MIN + 8000 });
    // 11:55: one failed, one held.
    const e3 = await insertEvent(api.t, { appId, eventId: 'e3', userKey: 'u3', receivedAt: NOW - 5 * MIN, status: 'failed' });
    await insertRecord(api.t, { appId, eventSeq: e3, eventId: 'e3', userKey: 'u3', state: 'failed', createdAt: NOW - 5 * MIN });
    const e4 = await insertEvent(api.t, { appId, eventId: 'e4', userKey: 'u4', receivedAt: NOW - 5 * MIN + 10_000, status: 'held' });
    await insertRecord(api.t, { appId, eventSeq: e4, eventId: 'e4', userKey: 'u4', state: 'held', createdAt: NOW - 5 * MIN });
    // 11:58 skipped, 11:59 quarantined and one pending (a pending and an in-flight record).
    await insertEvent(api.t, { appId, eventId: 'e5', receivedAt: NOW - 2 * MIN, status: 'skipped', reason: 'event_disabled' });
    await insertEvent(api.t, { appId, eventId: 'q_e6', receivedAt: NOW - MIN, status: 'quarantined', reason: 'no event_id' });
    const e8 = await insertEvent(api.t, { appId, eventId: 'e8', userKey: 'u8', receivedAt: NOW - 30_000, status: 'pending' });
    await insertRecord(api.t, { appId, eventSeq: e8, eventId: 'e8', userKey: 'u8', state: 'pending', createdAt: NOW - 30_000 });
    await insertRecord(api.t, { appId, eventSeq: e8, eventId: 'e8', userKey: 'u8', state: 'in_flight', createdAt: NOW - 30_000 });
    // Two hours ago: delivered late, 60 s after receipt (outside a 1 h window, inside 24 h).
    const e7 = await insertEvent(api.t, { appId, eventId: 'e7', userKey: 'u7', receivedAt: NOW - 120 * MIN, status: 'delivered', late: true });
    await insertRecord(api.t, { appId, eventSeq: e7, eventId: 'e7', userKey: 'u7', state: 'delivered', createdAt: NOW - 120 * MIN, deliveredAt: NOW - 119 * MIN });
    // Another app's traffic never counts.
    const x = await insertEvent(api.t, { appId: otherApp, eventId: 'x1', userKey: 'u1', receivedAt: NOW - MIN, status: 'pending' });
    await insertRecord(api.t, { appId: otherApp, eventSeq: x, eventId: 'x1', userKey: 'u1', state: 'pending', createdAt: NOW - MIN });

    await api.app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: AUTH,
      payload: { region: 'eu1', accountId: 'W9R-STATS', passcode: 'p4ss' },
    });
    await api.t.ctx.store.db.run("INSERT INTO accounts (account_key, auth_state, updated_at) VALUES ('eu1:W9R-STATS', 'auth_failed', ?)", [NOW]);
  });

  const stats = async (query = '') => api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/stats${query}`, headers: AUTH });

  it('counts the events of the last hour by status, the queue now, and latency over records delivered in the hour', async () => {
    const res = await stats('?window=1h');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      window: '1h',
      received: 7,
      delivered: 2,
      failed: 1,
      held: 1,
      skipped: 1,
      late: 0,
      quarantined: 1,
      queueDepth: 3,
      deliveryLatencyMs: { p50: 1000, p95: 3000, p99: 3000 },
      perMinute: [
        { minute: '2026-03-10T11:50:00.000Z', received: 2, delivered: 2, failed: 0 },
        { minute: '2026-03-10T11:55:00.000Z', received: 2, delivered: 0, failed: 1 },
        { minute: '2026-03-10T11:58:00.000Z', received: 1, delivered: 0, failed: 0 },
        { minute: '2026-03-10T11:59:00.000Z', received: 2, delivered: 0, failed: 0 },
      ],
      accounts: [{ accountKey: 'eu1:W9R-STATS', authState: 'auth_failed' }],
    });
  });

  it('uses a 24 hour window by default, which takes in the late event', async () => {
    const body = (await stats()).json();
    expect(body.window).toBe('24h');
    expect(body.received).toBe(8);
    expect(body.delivered).toBe(3);
    expect(body.late).toBe(1);
    expect(body.deliveryLatencyMs).toEqual({ p50: 3000, p95: 60_000, p99: 60_000 });
    expect(body.perMinute[0]).toEqual({ minute: '2026-03-10T10:00:00.000Z', received: 1, delivered: 1, failed: 0 });
  });

  it('shows null latency and no minutes for a window without traffic', async () => {
    const body = (await stats('?window=15s')).json();
    expect(body).toMatchObject({ received: 0, delivered: 0, deliveryLatencyMs: null, perMinute: [], queueDepth: 3 });
  });

  it('refuses a window that is not a duration, or longer than 30 days', async () => {
    for (const w of ['soon', '0m', '31d', '-1h']) {
      const res = await stats(`?window=${w}`);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.details[0].path).toBe('/querystring/window');
    }
  });

  it('answers 404 for an unknown app', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/apps/app_missing/stats', headers: AUTH })).statusCode).toBe(404);
  });
});
