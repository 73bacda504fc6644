/**
 * POST /apps/{appId}/preview (issue 14 "Preview" and "Dry run with CleverTap"), on both stores,
 * against the emulator over real HTTP: the records a payload would produce with the current
 * settings and state — the very records processing writes for it afterwards — while nothing in
 * the store changes, nothing is sent without `validate`, and a dry run stores nothing in
 * CleverTap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { openStore } from '../../src/store/store.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createIntegratedApp, everyTable, MAIN, postEvent, settle, subscriptionEvent, T0 } from './helpers.js';

type PreviewBody = {
  eventName: string | null;
  eventId: string | null;
  outcome: string;
  reason: string | null;
  duplicate: boolean;
  records: { userKey: string; kind: string; account: string; identifier: unknown; held: boolean; state: string; body: Record<string, unknown> }[];
  clevertap: null | {
    identity: string;
    requests: {
      account: string;
      outcome: string;
      httpStatus: number | null;
      status: string | null;
      processed: number | null;
      unprocessed: { record: number | null; code: number; error: string }[];
      message: string;
    }[];
    records: { verdict: string; code: number | null; message: string | null }[];
  };
};

const DISCARDED = 'Discarded By CleverTap';

describe.each(DIALECTS)('payload preview and dry run (%s)', (dialect) => {
  let emu: ClevertapEmulator;
  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [MAIN], discardedEventNames: [DISCARDED] });
  });
  afterAll(async () => {
    await emu?.close();
  });
  const api = useTestApi(dialect, () => ({ env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } }));
  let appId: string;

  beforeAll(async () => {
    appId = await createIntegratedApp(api.app);
    await postEvent(api.app, appId, subscriptionEvent('ev-start-1', 'SUBSCRIPTION_STARTED', { userId: 'user-1' }, T0));
    await settle(api.t.ctx);
    emu.clear();
  });

  const preview = async (body: unknown, id = appId) => {
    const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${id}/preview`, headers: AUTH, payload: body as object });
    return { status: res.statusCode, headers: res.headers, body: res.json() as PreviewBody & { error?: { code: string; message: string } } };
  };

  const renewalDisabled = subscriptionEvent('ev-renewal-off-1', 'RENEWAL_DISABLED', { userId: 'user-1' }, T0 + 3_600_000, { subscription_status: 'AUTO_RENEWING_CANCELED' });

  it('shows the event and profile records a payload would produce, folded onto the user’s current state, and changes no row of any table', async () => {
    const before = await everyTable(api.t);
    const res = await preview({ payload: renewalDisabled, validate: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventName: 'RENEWAL_DISABLED', eventId: 'ev-renewal-off-1', outcome: 'records', reason: null, duplicate: false, clevertap: null });
    expect(res.body.records.map((r) => [r.userKey, r.kind, r.account, r.identifier, r.held, r.state])).toEqual([
      ['user-1', 'event', 'main', { identity: 'user-1' }, false, 'pending'],
      ['user-1', 'profile', 'main', { identity: 'user-1' }, false, 'pending'],
    ]);
    expect(res.body.records[0]!.body).toMatchObject({ identity: 'user-1', type: 'event', evtName: 'Renewal Off', ts: Math.floor((T0 + 3_600_000) / 1000) });
    expect(res.body.records[1]!.body).toEqual({
      identity: 'user-1',
      type: 'profile',
      ts: Math.floor((T0 + 3_600_000) / 1000),
      profileData: {
        'Plan Name': 'monthly',
        subscription_status: 'AUTO_RENEWING_CANCELED',
        has_active_subscription: true,
        next_renewal_at: `$D_${Math.floor((T0 + 30 * 86_400_000) / 1000)}`,
        trial_ends_at: { $delete: true },
        store: 'APPLE_APP_STORE',
      },
    });
    expect(await everyTable(api.t)).toEqual(before);
    expect(emu.stats().requests).toBe(0);
  });

  it('previews exactly the records processing then writes for the same payload', async () => {
    const previewed = (await preview({ payload: renewalDisabled })).body.records;
    await postEvent(api.app, appId, renewalDisabled);
    await settle(api.t.ctx);
    const written = await api.t.ctx.store.db.all<{ kind: string; body_json: string; identifier_json: string | null }>(
      `SELECT kind, body_json, identifier_json FROM records WHERE app_id = ? AND event_id = ? ORDER BY id`,
      [appId, 'ev-renewal-off-1'],
    );
    const sent = written.map((w) => ({ kind: w.kind, body: { ...(JSON.parse(w.identifier_json ?? '{}') as object), ...(JSON.parse(w.body_json) as object) } }));
    expect(previewed.map((r) => ({ kind: r.kind, body: r.body }))).toEqual(sent);
    // The same payload again is a retry for the webhook: the preview says so.
    expect((await preview({ payload: renewalDisabled })).body.duplicate).toBe(true);
    emu.clear();
  });

  it('shows both users of a transfer, and a record held for an anonymous user without a CleverTap ID', async () => {
    const transfer = subscriptionEvent('ev-transfer-1', 'SUBSCRIPTION_TRANSFERRED', { userId: 'user-1' }, T0 + 7_200_000, {
      subscription_status: 'REVOKED',
      transferred_from_user_id: 'user-1',
      transferred_to_user_id: 'user-2',
    });
    const transferred = await preview({ payload: transfer });
    expect(transferred.body.records.map((r) => [r.userKey, r.kind])).toEqual([
      ['user-1', 'event'],
      ['user-1', 'profile'],
      ['user-2', 'profile'],
    ]);
    expect((transferred.body.records[1]!.body['profileData'] as Record<string, unknown>)['has_active_subscription']).toBe(false);
    expect(transferred.body.records[2]!.identifier).toEqual({ identity: 'user-2' });

    const anonymous = await preview({ payload: subscriptionEvent('ev-anon-1', 'SUBSCRIPTION_STARTED', { userId: null, anonymousUserId: 'anon-1' }, T0) });
    expect(anonymous.body.records.map((r) => [r.userKey, r.kind, r.identifier, r.held, r.state])).toEqual([
      ['anon-1', 'event', null, true, 'held'],
      ['anon-1', 'profile', null, true, 'held'],
    ]);
    expect(anonymous.body.records[0]!.body).not.toHaveProperty('identity');
  });

  it('answers 200 skipped with the quarantine or skip reason the log would show', async () => {
    const { event_id: _dropped, ...noEventId } = renewalDisabled;
    expect((await preview({ payload: noEventId })).body).toMatchObject({ outcome: 'skipped', reason: 'missing_event_id', records: [], clevertap: null });
    expect((await preview({ payload: '{"event_id": ' })).body).toMatchObject({ outcome: 'skipped', reason: 'invalid_json' });
    expect((await preview({ payload: [1, 2] })).body).toMatchObject({ outcome: 'skipped', reason: 'not_an_object' });
    expect((await preview({ payload: { ...renewalDisabled, user_id: null } })).body).toMatchObject({ outcome: 'skipped', reason: 'no_user_key' });
    expect((await preview({ payload: { ...renewalDisabled, event_id: 'ev-x', event_name: 'SUBSCRIPTION_RENEWED', event_created_at_ms: T0 + 3_600_000 } })).body).toMatchObject({
      outcome: 'skipped',
      reason: 'event_disabled',
    });
    expect((await preview({ payload: { ...renewalDisabled, environment: 'SANDBOX' } })).body).toMatchObject({ outcome: 'skipped', reason: 'sandbox_skipped' });
    expect((await preview({ payload: { ...renewalDisabled, padding: 'x'.repeat(300 * 1024) } })).body).toMatchObject({ outcome: 'skipped', reason: 'payload_too_large' });

    const disabledApp = (await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Off', webhookSecret: 'purchasely-secret-off' } })).json() as {
      id: string;
    };
    expect((await preview({ payload: renewalDisabled }, disabledApp.id)).body).toMatchObject({ outcome: 'skipped', reason: 'integration_disabled' });
  });

  it('refuses a body that is not a JSON object with 400 invalid_json, a missing payload with 422, an unknown app with 404', async () => {
    const notObject = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/preview`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '[1]' });
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json().error.code).toBe('invalid_json');
    const broken = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/preview`, headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"payload":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('invalid_json');
    const missing = await preview({ validate: true });
    expect(missing.status).toBe(422);
    expect(missing.body.error?.code).toBe('validation_failed');
    expect((await preview({ payload: renewalDisabled }, 'no-such-app')).status).toBe(404);
  });

  it('a dry run gets CleverTap’s verdict under the sentinel identity; the emulator stores nothing and only the dry-run count changes', async () => {
    const before = await everyTable(api.t);
    const res = await preview({ payload: { ...renewalDisabled, event_id: 'ev-dry-1', event_created_at_ms: T0 + 10_800_000, plan: 'yearly' }, validate: true });
    expect(res.status).toBe(200);
    expect(res.body.clevertap).toMatchObject({
      identity: 'pcbridge-dry-run',
      requests: [{ account: 'main', outcome: 'success', httpStatus: 200, status: 'success', processed: 2, unprocessed: [] }],
      records: [{ verdict: 'accepted' }, { verdict: 'accepted' }],
    });
    // The records shown keep the user's identifier; only the ones sent carried the sentinel.
    expect(res.body.records[0]!.identifier).toEqual({ identity: 'user-1' });
    expect(emu.records()).toEqual([]);
    expect(emu.profiles()).toEqual([]);
    expect(emu.stats()).toMatchObject({ requests: 1, records: 0 });

    const after = await everyTable(api.t);
    expect(after['dry_runs']!.rows).toBe(before['dry_runs']!.rows + 1);
    delete after['dry_runs'];
    delete before['dry_runs'];
    expect(after).toEqual(before);
  });

  it('a dry run reports a record CleverTap would refuse with its code and message', async () => {
    const refusing = await createIntegratedApp(api.app, { events: { RENEWAL_DISABLED: { enabled: true, name: DISCARDED } } });
    const res = await preview({ payload: renewalDisabled, validate: true }, refusing);
    expect(res.body.clevertap!.requests[0]).toMatchObject({ outcome: 'partial', status: 'partial', processed: 1 });
    expect(res.body.clevertap!.requests[0]!.unprocessed).toEqual([{ record: 0, code: 528, error: expect.stringContaining('Skipped record number : 1') }]);
    expect(res.body.clevertap!.records.map((r) => [r.verdict, r.code])).toEqual([
      ['refused', 528],
      ['accepted', null],
    ]);
    expect(emu.records()).toEqual([]);
  });

  it('a dry run says plainly when CleverTap refuses the credentials, and when none are saved', async () => {
    emu.setFaults({ all401: true });
    try {
      const res = await preview({ payload: renewalDisabled, validate: true });
      expect(res.status).toBe(200);
      expect(res.body.clevertap!.requests[0]).toMatchObject({ outcome: 'auth_failed', httpStatus: 401 });
      expect(res.body.clevertap!.requests[0]!.message).toMatch(/refused the account ID and passcode of the main account \(W9R-PREVIEW-MAIN, region eu1\)/);
      expect(res.body.clevertap!.records.every((r) => r.verdict === 'not_checked')).toBe(true);
    } finally {
      emu.setFaults({ all401: false });
    }
    const noAccount = await createIntegratedApp(api.app);
    await api.t.ctx.store.db.run('UPDATE integrations SET passcode_enc = NULL WHERE app_id = ?', [noAccount]);
    const res = await preview({ payload: renewalDisabled, validate: true }, noAccount);
    expect(res.body.clevertap!.requests[0]).toMatchObject({ outcome: 'not_configured', httpStatus: null });
    expect(res.body.clevertap!.requests[0]!.message).toMatch(/No account ID or passcode is saved for the main account/);
  });

  it('allows 10 dry runs per app per minute across instances, then 429 rate_limited with Retry-After', async () => {
    const limited = await createIntegratedApp(api.app);
    // A second instance on the same database shares the count.
    const otherStore = openStore(api.t.ctx.config.database);
    const other = await buildApp({ ...api.t.ctx, store: otherStore });
    try {
      for (let i = 0; i < 10; i++) {
        const via = i % 2 === 0 ? api.app : other;
        const res = await via.inject({ method: 'POST', url: `/api/v1/apps/${limited}/preview`, headers: AUTH, payload: { payload: renewalDisabled, validate: true } });
        expect(res.statusCode, res.body).toBe(200);
      }
      for (const via of [api.app, other]) {
        const res = await via.inject({ method: 'POST', url: `/api/v1/apps/${limited}/preview`, headers: AUTH, payload: { payload: renewalDisabled, validate: true } });
        expect(res.statusCode).toBe(429);
        expect(res.json().error.code).toBe('rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
      // The preview itself is not limited, nor another app's dry runs.
      expect((await preview({ payload: renewalDisabled }, limited)).status).toBe(200);
      expect((await preview({ payload: renewalDisabled, validate: true })).status).toBe(200);
      const stored = await api.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM dry_runs WHERE app_id = ?', [limited]);
      expect(Number(stored!.n)).toBe(10);
    } finally {
      await other.close();
      await otherStore.close();
    }
  });
});
