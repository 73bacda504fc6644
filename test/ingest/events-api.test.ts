import { beforeAll, describe, expect, it } from 'vitest';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture } from './helpers.js';
import type { EventItem as Item } from '../../src/ingest/event-log.js';

const SECRET = 'events-api-secret';

describe.each(DIALECTS)('the event log API on %s', (dialect) => {
  const api = useTestApi(dialect);
  let appId: string;

  async function send(body: string) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await api.app.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${appId}`,
      headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
  }

  async function list(query: string): Promise<{ items: Item[]; nextCursor: string | null }> {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events${query}`, headers: AUTH });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  }

  beforeAll(async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Log', webhookSecret: SECRET } });
    appId = created.json().id;
    // Oldest first: the three fixtures, then a production event of another user, then junk.
    await send(JSON.stringify(loadFixture('ACTIVATE')));
    await send(JSON.stringify(loadFixture('SUBSCRIPTION_STARTED')));
    await send(JSON.stringify(loadFixture('TRANSACTION_PROCESSED')));
    await send(JSON.stringify(loadFixture('TRANSACTION_PROCESSED'))); // a retry
    await send(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-prod', environment: 'PRODUCTION', user_id: 'alice' }));
    await send('not json at all');
  });

  it('lists every event newest first with the documented fields', async () => {
    const page = await list('');
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((i) => i.eventName)).toEqual([null, 'ACTIVATE', 'TRANSACTION_PROCESSED', 'SUBSCRIPTION_STARTED', 'ACTIVATE']);
    const tx = page.items.find((i) => i.eventId === 'a2430cab-b56f-45d6-9268-8f9f35e20b59')!;
    expect(tx).toEqual({
      eventId: 'a2430cab-b56f-45d6-9268-8f9f35e20b59',
      eventName: 'TRANSACTION_PROCESSED',
      userId: 'toto',
      anonymousUserId: null,
      environment: 'SANDBOX',
      receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventCreatedAt: '2023-12-12T14:19:26.120Z',
      status: 'received',
      reason: null,
      note: null,
      duplicates: 1,
      late: false,
      requests: 0,
      retriesUsed: 0,
      lastError: null,
      deliveredAt: null,
      heldSince: null,
      holdUntil: null,
    });
    expect(page.items[0]).toMatchObject({ status: 'quarantined', reason: 'invalid_json', eventCreatedAt: null });
    expect(page.items[0]!.eventId).toMatch(/^q_/);
  });

  it('filters by status, event name, environment and user key (user_id or anonymous_user_id)', async () => {
    expect((await list('?status=quarantined')).items).toHaveLength(1);
    expect((await list('?status=received,quarantined')).items).toHaveLength(5);
    expect((await list('?eventName=ACTIVATE')).items.map((i) => i.eventId)).toEqual(['evt-prod', '5e45109f-7fac-45f8-a7e4-464892d5d35d']);
    expect((await list('?environment=PRODUCTION')).items.map((i) => i.eventId)).toEqual(['evt-prod']);
    expect((await list('?userKey=toto')).items).toHaveLength(2);
    expect((await list('?userKey=5ca811b6-46e9-4847-9381-3911bd5fcd7b')).items.map((i) => i.eventId)).toEqual(['1a03612c-4960-40be-bc69-eeab14f9c6e9']);
  });

  it('filters on the time received, from inclusive and to exclusive', async () => {
    const all = (await list('')).items;
    const middle = all[2]!.receivedAt;
    const from = (await list(`?from=${encodeURIComponent(middle)}`)).items;
    expect(from.every((i) => i.receivedAt >= middle)).toBe(true);
    expect(from.map((i) => i.eventId)).toContain(all[2]!.eventId);
    const to = (await list(`?to=${encodeURIComponent(middle)}`)).items;
    expect(to.every((i) => i.receivedAt < middle)).toBe(true);
    expect((await list('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).items).toEqual([]);
  });

  it('pages with an opaque cursor until nextCursor is null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((i) => i.eventId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual((await list('')).items.map((i) => i.eventId));
  });

  it('refuses a limit over 500, a made-up cursor and a date that is not ISO', async () => {
    for (const query of ['?limit=501', '?limit=0', '?cursor=bm90LWEtY3Vyc29y', '?from=yesterday']) {
      const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events${query}`, headers: AUTH });
      expect(res.statusCode, query).toBe(422);
      expect(res.json().error.code).toBe('validation_failed');
    }
  });

  it('needs the admin token', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events` });
    expect(res.statusCode).toBe(401);
  });

  it('answers 404 for an unknown app and an unknown event', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/apps/app_nope/events', headers: AUTH })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/apps/app_nope/events/x', headers: AUTH })).statusCode).toBe(404);
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/no-such-event`, headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('shows one event with its parsed payload and no records or attempts before processing', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/5e45109f-7fac-45f8-a7e4-464892d5d35d`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    expect(detail).toMatchObject({ eventId: '5e45109f-7fac-45f8-a7e4-464892d5d35d', eventName: 'ACTIVATE', userId: 'toto', eventCreatedAt: '2023-12-12T14:19:26.120Z' });
    expect(detail.payload).toEqual(loadFixture('ACTIVATE'));
    expect(detail.rawBody).toBeUndefined();
  });

  it('shows a body that is not JSON as text', async () => {
    const quarantined = (await list('?status=quarantined')).items[0]!;
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${quarantined.eventId}`, headers: AUTH });
    expect(res.json()).toMatchObject({ payload: null, rawBody: 'not json at all', status: 'quarantined', reason: 'invalid_json' });
  });

  it("shows the event's records and the attempts that carried them", async () => {
    const event = await api.t.ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [appId, 'evt-prod']);
    const seq = Number(event!.seq);
    await api.t.ctx.store.tx(async (_repos, q) => {
      await q.run(
        `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, target, kind, body_json, state, attempts, last_code, last_message, generation, identifier_json, created_at, updated_at, delivered_at)
         VALUES (?, ?, 'evt-prod', 'alice', 'alice', 'main', 'event', ?, 'delivered', 2, 200, NULL, 0, ?, 1700000000000, 1700000001000, 1700000001000)`,
        [appId, seq, JSON.stringify({ type: 'event', evtName: 'ACTIVATE', ts: 1702390766 }), JSON.stringify({ identity: 'alice' })],
      );
      const record = await q.get<{ id: number }>('SELECT id FROM records WHERE event_seq = ?', [seq]);
      await q.run(
        `INSERT INTO attempts (app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count) VALUES (?, 'eu1:W9R', 1700000000500, 120, 503, 'retry', 'Service Unavailable', 1)`,
        [appId],
      );
      await q.run(
        `INSERT INTO attempts (app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count) VALUES (?, 'eu1:W9R', 1700000000900, 80, 200, 'success', '{"status":"success","processed":1}', 1)`,
        [appId],
      );
      const attempts = await q.all<{ id: number }>('SELECT id FROM attempts WHERE app_id = ? ORDER BY id', [appId]);
      for (const a of attempts) await q.run('INSERT INTO attempt_records (attempt_id, record_id) VALUES (?, ?)', [a.id, record!.id]);
      // An attempt of another record must not show up.
      await q.run(
        `INSERT INTO attempts (app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count) VALUES (?, 'eu1:W9R', 1700000000100, 10, 200, 'success', 'other', 1)`,
        [appId],
      );
    });
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/evt-prod`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const detail = res.json();
    expect(detail.records).toEqual([
      {
        id: expect.any(Number),
        kind: 'event',
        target: 'main',
        state: 'delivered',
        reason: null,
        attempts: 2,
        lastCode: 200,
        lastMessage: null,
        generation: 0,
        body: { type: 'event', evtName: 'ACTIVATE', ts: 1702390766 },
        identifier: { identity: 'alice' },
        createdAt: '2023-11-14T22:13:20.000Z',
        deliveredAt: '2023-11-14T22:13:21.000Z',
        requests: 2,
        holdUntil: null,
      },
    ]);
    expect(detail).toMatchObject({ requests: 2, retriesUsed: 2, lastError: null, deliveredAt: '2023-11-14T22:13:21.000Z', heldSince: null, holdUntil: null });
    const item = (await list('?eventId=evt-prod')).items;
    expect(item).toHaveLength(1);
    expect(item[0]).toMatchObject({ eventId: 'evt-prod', requests: 2, retriesUsed: 2, deliveredAt: '2023-11-14T22:13:21.000Z' });
    expect(detail.attempts).toEqual([
      { id: expect.any(Number), startedAt: '2023-11-14T22:13:20.500Z', httpStatus: 503, outcome: 'retry', response: 'Service Unavailable', latencyMs: 120, recordCount: 1 },
      {
        id: expect.any(Number),
        startedAt: '2023-11-14T22:13:20.900Z',
        httpStatus: 200,
        outcome: 'success',
        response: '{"status":"success","processed":1}',
        latencyMs: 80,
        recordCount: 1,
      },
    ]);
  });

  it('finds one event by its id, and nothing for an id it does not have', async () => {
    expect((await list('?eventId=5e45109f-7fac-45f8-a7e4-464892d5d35d')).items.map((i) => i.eventName)).toEqual(['ACTIVATE']);
    expect((await list('?eventId=no-such-event')).items).toEqual([]);
  });

  it("explains a held event: since when it waits for the user's CleverTap ID and when it is skipped", async () => {
    await send(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-held', user_id: 'bob' }));
    const event = await api.t.ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [appId, 'evt-held']);
    await api.t.ctx.store.db.run(`UPDATE events SET status = 'held' WHERE seq = ?`, [Number(event!.seq)]);
    await api.t.ctx.store.db.run(
      `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, target, kind, body_json, state, attempts, generation, hold_until, created_at, updated_at)
       VALUES (?, ?, 'evt-held', 'bob', 'bob', 'main', 'event', '{}', 'held', 0, 0, 1700086400000, 1700000000000, 1700000000000)`,
      [appId, Number(event!.seq)],
    );
    const [item] = (await list('?eventId=evt-held')).items;
    expect(item).toMatchObject({ status: 'held', heldSince: '2023-11-14T22:13:20.000Z', holdUntil: '2023-11-15T22:13:20.000Z', deliveredAt: null });
    const detail = (await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/evt-held`, headers: AUTH })).json();
    expect(detail.holdUntil).toBe('2023-11-15T22:13:20.000Z');
    expect(detail.records[0]).toMatchObject({ state: 'held', holdUntil: '2023-11-15T22:13:20.000Z', requests: 0, attempts: 0 });
  });

  it("counts a 401 as a request that used no retry, and shows CleverTap's last error", async () => {
    await send(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-401', user_id: 'carol' }));
    const event = await api.t.ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [appId, 'evt-401']);
    const seq = Number(event!.seq);
    await api.t.ctx.store.tx(async (_repos, q) => {
      await q.run(`UPDATE events SET status = 'pending' WHERE seq = ?`, [seq]);
      await q.run(
        `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, target, kind, body_json, state, attempts, last_code, last_message, generation, created_at, updated_at)
         VALUES (?, ?, 'evt-401', 'carol', 'carol', 'main', 'event', '{}', 'pending', 0, 401, 'Unauthorized: check the account ID and passcode', 0, 1700000000000, 1700000002000)`,
        [appId, seq],
      );
      const record = await q.get<{ id: number }>('SELECT id FROM records WHERE event_seq = ?', [seq]);
      await q.run(
        `INSERT INTO attempts (app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count) VALUES (?, 'eu1:W9R', 1700000001000, 30, 401, 'auth_failed', 'Unauthorized', 1)`,
        [appId],
      );
      const attempt = await q.get<{ id: number }>(`SELECT MAX(id) AS id FROM attempts WHERE app_id = ?`, [appId]);
      await q.run('INSERT INTO attempt_records (attempt_id, record_id) VALUES (?, ?)', [attempt!.id, record!.id]);
    });
    const [item] = (await list('?eventId=evt-401')).items;
    expect(item).toMatchObject({ requests: 1, retriesUsed: 0, lastError: '401 Unauthorized: check the account ID and passcode', deliveredAt: null });
  });

  it('counts events per minute by current status for the Overview chart', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/event-counts?window=1h`, headers: AUTH });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { window: string; perMinute: { minute: string; received: number; counts: Record<string, number> }[] };
    expect(body.window).toBe('1h');
    const totals: Record<string, number> = {};
    for (const m of body.perMinute) {
      expect(m.received).toBe(Object.values(m.counts).reduce((a, b) => a + b, 0));
      for (const [k, v] of Object.entries(m.counts)) totals[k] = (totals[k] ?? 0) + v;
    }
    expect(totals).toMatchObject({ held: 1, pending: 1, quarantined: 1 });
    const bad = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/event-counts?window=forever`, headers: AUTH });
    expect(bad.statusCode).toBe(422);
  });
});
