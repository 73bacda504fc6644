import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp, everyRow, insertEvent, insertRecord } from '../helpers/integrations.js';

const T0 = Date.UTC(2026, 3, 1, 9, 0, 0);
const ERASED = 'user-erase-4f2a';
const ERASED_ANON = 'anon-erase-9c1d';
const KEPT = 'user-keep-7b3e';

/** A subscription state (src/state shape) with one slice per user key. */
function subscriptionState(id: string, userKeys: string[]): string {
  return JSON.stringify({
    version: 1,
    subscriptionId: id,
    environment: 'PRODUCTION',
    users: userKeys.map((userKey, i) => ({
      userKey,
      latest: { key: { ms: T0 + i, rank: 1, id: `ev-${id}-${i}` }, name: 'SUBSCRIPTION_RENEWED', fields: { plan: 'monthly', user_id: userKey } },
      entitlement: null,
      billing: null,
    })),
    transfer: null,
  });
}

function payload(eventId: string, userId: string | null, anonymousUserId: string | null): string {
  return JSON.stringify({ event_id: eventId, event_name: 'SUBSCRIPTION_RENEWED', user_id: userId, anonymous_user_id: anonymousUserId, plan: 'monthly' });
}

describe.each(DIALECTS)('user erasure API on %s', (dialect) => {
  const api = useTestApi(dialect);
  let appId: string;
  let otherAppId: string;
  beforeAll(async () => {
    appId = await createTestApp(api.app, 'Erasure');
    otherAppId = await createTestApp(api.app, 'Same user, other app');
    const db = api.t.ctx.store.db;

    // The user's events: delivered, held (a held and a pending record), and one from before login.
    const ev1 = await insertEvent(api.t, {
      appId,
      eventId: 'ev1',
      userKey: ERASED,
      userId: ERASED,
      anonymousUserId: ERASED_ANON,
      receivedAt: T0,
      status: 'delivered',
      rawBody: payload('ev1', ERASED, ERASED_ANON),
    });
    const r1 = await insertRecord(api.t, {
      appId,
      eventSeq: ev1,
      eventId: 'ev1',
      userKey: ERASED,
      userId: ERASED,
      anonymousUserId: ERASED_ANON,
      state: 'delivered',
      body: { type: 'event', evtName: 'Renewed', evtData: { user_id: ERASED } },
      identifier: { identity: ERASED },
      createdAt: T0,
      deliveredAt: T0 + 500,
    });
    const ev2 = await insertEvent(api.t, { appId, eventId: 'ev2', userKey: ERASED, userId: ERASED, receivedAt: T0 + 1000, status: 'held', rawBody: payload('ev2', ERASED, null) });
    await insertRecord(api.t, { appId, eventSeq: ev2, eventId: 'ev2', userKey: ERASED, userId: ERASED, state: 'held', createdAt: T0 + 1000 });
    await insertRecord(api.t, { appId, eventSeq: ev2, eventId: 'ev2', userKey: ERASED, userId: ERASED, state: 'pending', createdAt: T0 + 1000 });
    await insertEvent(api.t, {
      appId,
      eventId: 'ev3',
      userKey: ERASED_ANON,
      anonymousUserId: ERASED_ANON,
      receivedAt: T0 - 5000,
      status: 'received',
      rawBody: payload('ev3', null, ERASED_ANON),
    });

    // Someone else, in the same app and in the same request.
    const ev4 = await insertEvent(api.t, { appId, eventId: 'ev4', userKey: KEPT, userId: KEPT, receivedAt: T0 + 2000, status: 'delivered', rawBody: payload('ev4', KEPT, null) });
    const r4 = await insertRecord(api.t, {
      appId,
      eventSeq: ev4,
      eventId: 'ev4',
      userKey: KEPT,
      userId: KEPT,
      state: 'delivered',
      body: { type: 'event', evtName: 'Renewed', evtData: { user_id: KEPT } },
      identifier: { identity: KEPT },
      createdAt: T0 + 2000,
      deliveredAt: T0 + 2500,
    });
    await db.run(
      "INSERT INTO attempts (id, app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count) VALUES (1, ?, 'eu1:A', ?, 40, 200, 'partial', ?, 2)",
      [appId, T0, `{"status":"partial","unprocessed":[{"record":{"identity":"${ERASED}"}}]}`],
    );
    await db.run('INSERT INTO attempt_records (attempt_id, record_id) VALUES (1, ?), (1, ?)', [r1, r4]);

    // The same user ID in another app is another app's business.
    await insertEvent(api.t, { appId: otherAppId, eventId: 'ev1', userKey: ERASED, userId: ERASED, receivedAt: T0, status: 'delivered', rawBody: payload('ev1', ERASED, null) });

    for (const [app_, key, ct] of [
      [appId, ERASED, 'ct-erased'],
      [appId, ERASED_ANON, 'ct-anon'],
      [appId, KEPT, 'ct-kept'],
    ] as const) {
      await db.run('INSERT INTO user_attributes (app_id, user_key, clevertap_id, updated_at) VALUES (?, ?, ?, ?)', [app_, key, ct, T0]);
    }
    for (const key of [ERASED, KEPT]) {
      await db.run("INSERT INTO user_states (app_id, environment, user_key, state_json, properties_json) VALUES (?, 'PRODUCTION', ?, ?, ?)", [
        appId,
        key,
        JSON.stringify({ user_id: key }),
        JSON.stringify({ user_id: key, plan: 'monthly' }),
      ]);
    }
    await db.run("INSERT INTO subscription_states (app_id, environment, subscription_id, owner_user_key, state_json) VALUES (?, 'PRODUCTION', 'sub-only-erased', ?, ?)", [
      appId,
      ERASED,
      subscriptionState('sub-only-erased', [ERASED]),
    ]);
    await db.run("INSERT INTO subscription_states (app_id, environment, subscription_id, owner_user_key, state_json) VALUES (?, 'PRODUCTION', 'sub-shared', ?, ?)", [
      appId,
      KEPT,
      subscriptionState('sub-shared', [KEPT, ERASED]),
    ]);
  });

  const erase = (app_: string, key: string) => api.app.inject({ method: 'DELETE', url: `/api/v1/apps/${app_}/users/${encodeURIComponent(key)}`, headers: AUTH });

  it('answers 204 and afterwards no row of the app holds the user ID or their anonymous ID', async () => {
    const before = await everyRow(api.t);
    expect(before).toContain(ERASED);
    expect(before).toContain(ERASED_ANON);

    const res = await erase(appId, ERASED);
    expect(res.statusCode).toBe(204);

    const dump = await everyRowOfApp(api.t, appId);
    expect(dump).not.toContain(ERASED);
    expect(dump).not.toContain(ERASED_ANON);
    expect(dump).not.toContain('ct-erased');
    expect(dump).not.toContain('ct-anon');
  });

  it('keeps tombstones of the events: event IDs and statuses, reason erased, no payload', async () => {
    const rows = await api.t.ctx.store.db.all<{ event_id: string; status: string; reason: string | null; raw_body: unknown; user_key: string | null; user_id: string | null }>(
      'SELECT event_id, status, reason, raw_body, user_key, user_id FROM events WHERE app_id = ? ORDER BY event_id',
      [appId],
    );
    expect(rows.map((r) => [r.event_id, r.status, r.reason, r.raw_body, r.user_key])).toEqual([
      ['ev1', 'delivered', 'erased', null, null],
      ['ev2', 'skipped', 'erased', null, null],
      ['ev3', 'skipped', 'erased', null, null],
      ['ev4', 'delivered', null, expect.anything(), KEPT],
    ]);
  });

  it('deletes the records not sent yet and blanks the delivered one; the other user is untouched', async () => {
    const records = await api.t.ctx.store.db.all<{ event_id: string; state: string; user_key: string; body_json: string; identifier_json: string | null }>(
      'SELECT event_id, state, user_key, body_json, identifier_json FROM records WHERE app_id = ? ORDER BY id',
      [appId],
    );
    expect(records).toEqual([
      { event_id: 'ev1', state: 'delivered', user_key: 'erased', body_json: '{}', identifier_json: null },
      {
        event_id: 'ev4',
        state: 'delivered',
        user_key: KEPT,
        body_json: JSON.stringify({ type: 'event', evtName: 'Renewed', evtData: { user_id: KEPT } }),
        identifier_json: JSON.stringify({ identity: KEPT }),
      },
    ]);
    const attempt = await api.t.ctx.store.db.get<{ response_text: string | null; record_count: number }>('SELECT response_text, record_count FROM attempts WHERE id = 1');
    expect(attempt).toEqual({ response_text: null, record_count: 2 });
  });

  it('removes the CleverTap IDs, the user state and the user from subscription states', async () => {
    const db = api.t.ctx.store.db;
    expect(await db.all('SELECT user_key FROM user_attributes WHERE app_id = ? ORDER BY user_key', [appId])).toEqual([{ user_key: KEPT }]);
    expect(await db.all('SELECT user_key FROM user_states WHERE app_id = ?', [appId])).toEqual([{ user_key: KEPT }]);
    const subs = await db.all<{ subscription_id: string; owner_user_key: string; state_json: string }>(
      'SELECT subscription_id, owner_user_key, state_json FROM subscription_states WHERE app_id = ?',
      [appId],
    );
    expect(subs).toHaveLength(1);
    expect(subs[0]!.subscription_id).toBe('sub-shared');
    expect(subs[0]!.owner_user_key).toBe(KEPT);
    expect(JSON.parse(subs[0]!.state_json).users.map((u: { userKey: string }) => u.userKey)).toEqual([KEPT]);
  });

  it('leaves the same user ID in another app alone', async () => {
    const row = await api.t.ctx.store.db.get<{ user_id: string; raw_body: unknown }>('SELECT user_id, raw_body FROM events WHERE app_id = ?', [otherAppId]);
    expect(row!.user_id).toBe(ERASED);
    expect(row!.raw_body).not.toBeNull();
  });

  it('answers 204 again for a user with nothing left, and 404 for an unknown app', async () => {
    expect((await erase(appId, ERASED)).statusCode).toBe(204);
    expect((await erase(appId, 'never-seen-user')).statusCode).toBe(204);
    const missing = await erase('app_missing', ERASED);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });
});

/** Every row of the tables that carry app_id, for one app, as JSON text. */
async function everyRowOfApp(t: TestContext, appId: string): Promise<string> {
  const parts: string[] = [];
  for (const table of ['events', 'records', 'attempts', 'user_attributes', 'user_states', 'subscription_states']) {
    const rows = await t.ctx.store.db.all<Record<string, unknown>>(`SELECT * FROM ${table} WHERE app_id = ?`, [appId]);
    parts.push(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)));
  }
  const links = await t.ctx.store.db.all('SELECT * FROM attempt_records');
  parts.push(JSON.stringify(links));
  return parts.join('\n');
}
