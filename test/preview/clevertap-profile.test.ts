/**
 * GET …/users/{userKey}/clevertap-profile and POST …/resend-profile (issue 14 "What CleverTap
 * holds"), on both stores, against the emulator over real HTTP: a profile changed in CleverTap
 * behind pcbridge's back is found property by property, and a resend through the normal outbox
 * makes CleverTap equal to the snapshot again.
 */
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { processBatch } from '../../src/processing/process-batch.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createIntegratedApp, MAIN, postEvent, settle, subscriptionEvent, T0 } from './helpers.js';

type View = {
  userKey: string;
  environment: string | null;
  account: string | null;
  identifier: unknown;
  stale: boolean;
  snapshot: Record<string, unknown>;
  lastDelivered: Record<string, unknown> | null;
  pendingRecords: { id: number; eventId: string; state: string }[];
  clevertap: Record<string, unknown> | null;
  lookup: { status: string; message: string };
  differences: { property: string; snapshot: unknown; clevertap: unknown }[];
  equal: boolean;
};

const RENEWAL_S = Math.floor((T0 + 30 * 86_400_000) / 1000);

describe.each(DIALECTS)('what CleverTap holds, and resending a profile (%s)', (dialect) => {
  let emu: ClevertapEmulator;
  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [MAIN] });
  });
  afterAll(async () => {
    await emu?.close();
  });
  const api = useTestApi(dialect, () => ({ env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } }));
  let appId: string;

  beforeAll(async () => {
    appId = await createIntegratedApp(api.app);
    await postEvent(api.app, appId, subscriptionEvent('ev-start-u1', 'SUBSCRIPTION_STARTED', { userId: 'user-1' }, T0));
    await postEvent(api.app, appId, subscriptionEvent('ev-start-u2', 'SUBSCRIPTION_STARTED', { userId: 'user-2' }, T0));
    await settle(api.t.ctx);
  });

  const view = async (userKey: string, id = appId) => {
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${id}/users/${encodeURIComponent(userKey)}/clevertap-profile`, headers: AUTH });
    return { status: res.statusCode, body: res.json() as View & { error?: { code: string } } };
  };
  const resend = async (userKey: string, id = appId) => {
    const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${id}/users/${encodeURIComponent(userKey)}/resend-profile`, headers: AUTH });
    return { status: res.statusCode, body: res.json() as { requeued: number; recordId: number; state: string; error?: { code: string; message: string } } };
  };

  const expectedSnapshot = {
    'Plan Name': 'monthly',
    subscription_status: 'AUTO_RENEWING',
    has_active_subscription: true,
    next_renewal_at: `$D_${RENEWAL_S}`,
    store: 'APPLE_APP_STORE',
  };

  it('after delivery, pcbridge’s snapshot, its last delivered profile and CleverTap’s profile are equal', async () => {
    const res = await view('user-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      userKey: 'user-1',
      environment: 'PRODUCTION',
      account: 'main',
      identifier: { identity: 'user-1' },
      stale: false,
      snapshot: expectedSnapshot,
      lastDelivered: expectedSnapshot,
      pendingRecords: [],
      clevertap: expectedSnapshot,
      lookup: { status: 'found' },
      differences: [],
      equal: true,
    });
  });

  it('finds a profile changed in CleverTap behind pcbridge’s back, ignoring properties pcbridge does not manage', async () => {
    const res = await fetch(`${emu.url}/1/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-clevertap-account-id': MAIN.accountId, 'x-clevertap-passcode': MAIN.passcode },
      body: JSON.stringify({
        d: [
          {
            type: 'profile',
            identity: 'user-1',
            ts: Math.floor(T0 / 1000) + 60,
            profileData: {
              'Plan Name': 'yearly',
              has_active_subscription: false,
              store: { $delete: true },
              trial_ends_at: `$D_${RENEWAL_S}`,
              // The same date as a bare number of seconds: not a difference.
              next_renewal_at: RENEWAL_S,
              'Favourite Colour': 'green',
            },
          },
        ],
      }),
    });
    expect(res.status).toBe(200);

    const found = await view('user-1');
    expect(found.body.lookup.status).toBe('found');
    expect(found.body.equal).toBe(false);
    // In the catalogue's order.
    expect(found.body.differences).toEqual([
      { property: 'has_active_subscription', snapshot: true, clevertap: false },
      { property: 'store', snapshot: 'APPLE_APP_STORE', clevertap: null },
      { property: 'Plan Name', snapshot: 'monthly', clevertap: 'yearly' },
      { property: 'trial_ends_at', snapshot: null, clevertap: `$D_${RENEWAL_S}` },
    ]);
    expect(found.body.clevertap).toMatchObject({ 'Favourite Colour': 'green' });
    // The other user is untouched.
    expect((await view('user-2')).body.equal).toBe(true);
  });

  it('resend-profile queues the whole snapshot through the outbox; once delivered CleverTap equals the snapshot again', async () => {
    const queued = await resend('user-1');
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ requeued: 1, state: 'pending' });

    const waiting = await view('user-1');
    expect(waiting.body.pendingRecords).toEqual([expect.objectContaining({ id: queued.body.recordId, eventId: 'pcbridge:resend-profile', state: 'pending' })]);
    const row = await api.t.ctx.store.db.get<{ body_json: string; event_seq: number; kind: string; target: string; user_id: string | null }>(
      'SELECT body_json, event_seq, kind, target, user_id FROM records WHERE id = ?',
      [queued.body.recordId],
    );
    expect(row).toMatchObject({ kind: 'profile', target: 'main', user_id: 'user-1' });
    expect(Number(row!.event_seq)).toBe(-queued.body.recordId);
    // The whole snapshot, with the removal of a property without value.
    expect((JSON.parse(row!.body_json) as { profileData: unknown }).profileData).toEqual({ ...expectedSnapshot, trial_ends_at: { $delete: true } });

    const eventsBefore = await api.t.ctx.store.db.all('SELECT event_id, status FROM events WHERE app_id = ? ORDER BY seq', [appId]);
    await settle(api.t.ctx);
    const after = await view('user-1');
    expect(after.body).toMatchObject({ differences: [], equal: true, pendingRecords: [], lastDelivered: expectedSnapshot });
    expect(emu.profile(MAIN.accountId, { identity: 'user-1' })?.profileData).toEqual({ ...expectedSnapshot, 'Favourite Colour': 'green' });
    // No event's status or log changed for it.
    expect(await api.t.ctx.store.db.all('SELECT event_id, status FROM events WHERE app_id = ? ORDER BY seq', [appId])).toEqual(eventsBefore);
  });

  it('a resent profile keeps its place behind the user’s earlier records, and clears the stale mark', async () => {
    // Records of an event processed but not delivered yet: the resent one must not overtake them.
    await postEvent(
      api.app,
      appId,
      subscriptionEvent('ev-renewal-off-u2', 'RENEWAL_DISABLED', { userId: 'user-2' }, T0 + 3_600_000, { subscription_status: 'AUTO_RENEWING_CANCELED' }),
    );
    await processBatch(api.t.ctx, { limit: 10 });
    await api.t.ctx.store.db.run("UPDATE user_states SET profile_stale = 1 WHERE app_id = ? AND user_key = 'user-2'", [appId]);
    const queued = await resend('user-2');
    expect(queued.status).toBe(202);
    const stale = await api.t.ctx.store.db.get<{ profile_stale: number }>("SELECT profile_stale FROM user_states WHERE app_id = ? AND user_key = 'user-2'", [appId]);
    expect(Number(stale!.profile_stale)).toBe(0);
    const order = await api.t.ctx.store.db.all<{ event_id: string; kind: string }>(
      "SELECT event_id, kind FROM records WHERE app_id = ? AND user_key = 'user-2' AND state = 'pending' ORDER BY id",
      [appId],
    );
    expect(order.map((r) => [r.event_id, r.kind])).toEqual([
      ['ev-renewal-off-u2', 'event'],
      ['ev-renewal-off-u2', 'profile'],
      ['pcbridge:resend-profile', 'profile'],
    ]);

    emu.clear();
    await settle(api.t.ctx);
    const sent = emu.records({ identity: 'user-2' }).map((r) => (r.record as { evtName?: string; type: string }).evtName ?? (r.record as { type: string }).type);
    expect(sent).toEqual(['Renewal Off', 'profile', 'profile']);
    expect((await view('user-2')).body.equal).toBe(true);
  });

  it('says why CleverTap was not asked or what it answered, and 404 for a user pcbridge holds no state of', async () => {
    expect((await view('nobody')).status).toBe(404);
    expect((await resend('nobody')).status).toBe(404);

    // An anonymous user without a CleverTap ID: no identifier yet; a resend is held.
    await postEvent(api.app, appId, subscriptionEvent('ev-anon', 'SUBSCRIPTION_STARTED', { userId: null, anonymousUserId: 'anon-1' }, T0));
    await settle(api.t.ctx);
    const anonymous = await view('anon-1');
    expect(anonymous.body).toMatchObject({ identifier: null, clevertap: null, lookup: { status: 'not_asked' }, differences: [], equal: false });
    expect(anonymous.body.pendingRecords.map((r) => r.state)).toEqual(['held']);
    expect((await resend('anon-1')).body).toMatchObject({ requeued: 1, state: 'held' });

    // Once the app sets its CleverTap ID, CleverTap is asked under that objectId.
    await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/users/anon-1/attributes`, headers: AUTH, payload: { clevertap_id: 'ct-anon-1' } });
    await settle(api.t.ctx);
    expect((await view('anon-1')).body).toMatchObject({ identifier: { objectId: 'ct-anon-1' }, lookup: { status: 'found' }, equal: true });

    // A user CleverTap does not know: every managed property differs.
    emu.clear();
    const missing = await view('user-1');
    expect(missing.body.lookup.status).toBe('not_found');
    expect(missing.body.differences.map((d) => d.property)).toEqual(['has_active_subscription', 'subscription_status', 'store', 'Plan Name', 'next_renewal_at']);

    emu.setFaults({ all401: true });
    try {
      const refused = await view('user-1');
      expect(refused.body.lookup.status).toBe('auth_failed');
      expect(refused.body.lookup.message).toMatch(/refused the account ID and passcode/);
    } finally {
      emu.setFaults({ all401: false });
    }
  });

  it('resend-profile answers 409 when nothing can be sent: the integration is disabled', async () => {
    await api.app.inject({ method: 'PATCH', url: `/api/v1/apps/${appId}/integrations/clevertap`, headers: AUTH, payload: { enabled: false } });
    const res = await resend('user-1');
    expect(res.status).toBe(409);
    expect(res.body.error?.code).toBe('conflict');
  });
});
