import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH, createTestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp, everythingStored } from '../helpers/integrations.js';

const PASSCODE = 'SEC-pass-7c1f9a2e44';
const SANDBOX_PASSCODE = 'SBX-pass-0d9e8b7a11';

describe.each(DIALECTS)('CleverTap integration settings API on %s', (dialect) => {
  const api = useTestApi(dialect);

  const url = (appId: string) => `/api/v1/apps/${appId}/integrations/clevertap`;
  const get = async (appId: string) => api.app.inject({ method: 'GET', url: url(appId), headers: AUTH });
  const put = async (appId: string, payload: unknown) => api.app.inject({ method: 'PUT', url: url(appId), headers: AUTH, payload: payload as object });
  const patch = async (appId: string, payload: unknown) => api.app.inject({ method: 'PATCH', url: url(appId), headers: AUTH, payload: payload as object });

  it('answers 404 for an app that does not exist, whatever the method', async () => {
    for (const res of [await get('app_nope'), await put('app_nope', {}), await patch('app_nope', {})]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  it('shows the defaults of an app that never saved settings: disabled, every event listed and off, no passcode', async () => {
    const appId = await createTestApp(api.app);
    const res = await get(appId);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.enabled).toBe(false);
    expect(body.region).toBe('eu1');
    expect(body.accountId).toBe('');
    expect(body.passcodeSet).toBe(false);
    expect(body.sandboxAccount).toEqual({ region: 'eu1', accountId: '', passcodeSet: false });
    expect(body.events.SUBSCRIPTION_STARTED).toEqual({ enabled: false, name: 'SUBSCRIPTION_STARTED' });
    expect(body.userProperties.subscription_status).toEqual({ enabled: false, name: 'subscription_status' });
    expect(Object.keys(body.events)).toHaveLength(45);
    expect(body.identity).toEqual({ mode: 'auto', holdFor: '24h' });
    expect(body.revenue).toEqual({ chargedEvent: false, currency: 'integration' });
  });

  it('saves with PUT, never returns the passcode, and keeps it through a GET → PUT round trip', async () => {
    const appId = await createTestApp(api.app);
    const saved = await put(appId, {
      enabled: true,
      region: 'us1',
      accountId: 'W9R-ROUND-TRIP',
      passcode: PASSCODE,
      events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Subscription Started' } },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).not.toContain(PASSCODE);
    expect(saved.json()).toMatchObject({ enabled: true, region: 'us1', accountId: 'W9R-ROUND-TRIP', passcodeSet: true });

    const first = await get(appId);
    expect(first.body).not.toContain(PASSCODE);
    expect(first.json().events.SUBSCRIPTION_STARTED).toEqual({ enabled: true, name: 'Subscription Started' });

    const again = await put(appId, first.json());
    expect(again.statusCode).toBe(200);
    const second = await get(appId);
    expect(second.json()).toEqual(first.json());
    expect(second.json().passcodeSet).toBe(true);

    const row = await api.t.ctx.store.integrations.get(appId);
    expect(row!.passcodeEnc).toMatch(/^v1:/);
    expect(api.t.ctx.secrets.decrypt(row!.passcodeEnc!)).toBe(PASSCODE);
  });

  it('stores passcodes only encrypted: the raw database never holds them', async () => {
    const appId = await createTestApp(api.app);
    const res = await put(appId, {
      accountId: 'W9R-AT-REST',
      passcode: PASSCODE,
      sandbox: 'sandbox_account',
      sandboxAccount: { region: 'in1', accountId: 'W9R-SBX', passcode: SANDBOX_PASSCODE },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().sandboxAccount).toEqual({ region: 'in1', accountId: 'W9R-SBX', passcodeSet: true });
    const stored = await everythingStored(api.t);
    expect(stored).toContain('W9R-AT-REST');
    expect(stored).not.toContain(PASSCODE);
    expect(stored).not.toContain(SANDBOX_PASSCODE);
    const row = await api.t.ctx.store.integrations.get(appId);
    expect(api.t.ctx.secrets.decrypt(row!.sandboxPasscodeEnc!)).toBe(SANDBOX_PASSCODE);
  });

  it('PUT replaces: fields left out go back to their defaults, but the passcode is kept', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, { region: 'sg1', accountId: 'W9R-REPLACE', passcode: PASSCODE, revenue: { chargedEvent: true } });
    const res = await put(appId, { accountId: 'W9R-REPLACE' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ region: 'eu1', accountId: 'W9R-REPLACE', passcodeSet: true, revenue: { chargedEvent: false } });
  });

  it('PATCH merges into the stored settings and an omitted passcode is kept', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, {
      enabled: true,
      region: 'in1',
      accountId: 'W9R-MERGE',
      passcode: PASSCODE,
      events: { ACTIVATE: { enabled: true, name: 'Access Granted' } },
    });
    const res = await patch(appId, { events: { DEACTIVATE: { enabled: true } }, identity: { holdFor: '2h' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ enabled: true, region: 'in1', accountId: 'W9R-MERGE', passcodeSet: true });
    expect(body.events.ACTIVATE).toEqual({ enabled: true, name: 'Access Granted' });
    expect(body.events.DEACTIVATE).toEqual({ enabled: true, name: 'DEACTIVATE' });
    expect(body.identity).toEqual({ mode: 'auto', holdFor: '2h' });
    const row = await api.t.ctx.store.integrations.get(appId);
    expect(api.t.ctx.secrets.decrypt(row!.passcodeEnc!)).toBe(PASSCODE);
  });

  it('PATCH with a new passcode replaces the stored one', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, { accountId: 'W9R-NEWPASS', passcode: PASSCODE });
    expect((await patch(appId, { passcode: 'second-passcode-42' })).statusCode).toBe(200);
    const row = await api.t.ctx.store.integrations.get(appId);
    expect(api.t.ctx.secrets.decrypt(row!.passcodeEnc!)).toBe('second-passcode-42');
  });

  it('accepts the merge-patch media type for PATCH', async () => {
    const appId = await createTestApp(api.app);
    const res = await api.app.inject({
      method: 'PATCH',
      url: url(appId),
      headers: { ...AUTH, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ region: 'mec1' }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().region).toBe('mec1');
  });

  describe('refuses names CleverTap would reject, naming the field', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['a forbidden character', { events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Sub.Started' } } }, '/events/SUBSCRIPTION_STARTED/name'],
      ['a reserved system event', { events: { ACTIVATE: { enabled: true, name: 'App Launched' } } }, '/events/ACTIVATE/name'],
      ['121 characters', { events: { RENEWAL_DISABLED: { enabled: true, name: 'x'.repeat(121) } } }, '/events/RENEWAL_DISABLED/name'],
      ['a standard profile key', { userProperties: { user_id: { enabled: true, name: 'Email' } } }, '/userProperties/user_id/name'],
    ];
    it.each(cases)('a rename to %s', async (_label, payload, path) => {
      const appId = await createTestApp(api.app);
      for (const res of [await put(appId, payload), await patch(appId, payload)]) {
        expect(res.statusCode).toBe(422);
        const error = res.json().error;
        expect(error.code).toBe('validation_failed');
        expect(error.details.map((d: { path: string }) => d.path)).toEqual([path]);
        expect(error.details[0].message.length).toBeGreaterThan(10);
      }
      // Nothing was saved.
      expect(await api.t.ctx.store.integrations.get(appId)).toBeNull();
    });

    it('two enabled events on the same name, ignoring case and spaces', async () => {
      const appId = await createTestApp(api.app);
      const res = await put(appId, {
        events: {
          SUBSCRIPTION_STARTED: { enabled: true, name: 'Subscription Started' },
          SUBSCRIPTION_RENEWED: { enabled: true, name: 'subscription  started' },
        },
      });
      expect(res.statusCode).toBe(422);
      const paths = res
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort();
      expect(paths).toEqual(['/events/SUBSCRIPTION_RENEWED/name', '/events/SUBSCRIPTION_STARTED/name']);
    });
  });

  it('reports every invalid field of one request at once and keeps the stored settings', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, { accountId: 'W9R-KEEP', passcode: PASSCODE });
    const res = await patch(appId, {
      region: 'mars1',
      events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Bad|Name' } },
      userProperties: { store: { enabled: true, name: 'Phone' } },
      identity: { holdFor: 'forever' },
    });
    expect(res.statusCode).toBe(422);
    const paths: string[] = res.json().error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/region', '/events/SUBSCRIPTION_STARTED/name', '/userProperties/store/name', '/identity/holdFor']));
    expect(paths).toHaveLength(4);
    expect((await get(appId)).json()).toMatchObject({ region: 'eu1', accountId: 'W9R-KEEP', passcodeSet: true });
  });

  it('refuses to enable the integration without a passcode, given or stored', async () => {
    const appId = await createTestApp(api.app);
    const res = await put(appId, { enabled: true, accountId: 'W9R-NOPASS' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain('/passcode');
  });

  it('a credentials change clears the auth_failed pause of the new account, and only of it', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, { enabled: true, region: 'eu1', accountId: 'W9R-OLD', passcode: PASSCODE });
    const now = Date.now();
    for (const key of ['eu1:W9R-OLD', 'us1:W9R-NEW']) {
      await api.t.ctx.store.db.run("INSERT INTO accounts (account_key, auth_state, auth_failed_at, next_probe_at, updated_at) VALUES (?, 'auth_failed', ?, ?, ?)", [
        key,
        now,
        now + 600_000,
        now,
      ]);
    }
    const res = await patch(appId, { region: 'us1', accountId: 'W9R-NEW' });
    expect(res.statusCode).toBe(200);
    const rows = await api.t.ctx.store.db.all<{ account_key: string; auth_state: string; auth_failed_at: number | null }>(
      'SELECT account_key, auth_state, auth_failed_at FROM accounts ORDER BY account_key',
    );
    expect(rows).toEqual([
      { account_key: 'eu1:W9R-OLD', auth_state: 'auth_failed', auth_failed_at: now },
      { account_key: 'us1:W9R-NEW', auth_state: 'ok', auth_failed_at: null },
    ]);
  });

  it('a new passcode for the same account clears its pause; an unrelated change does not', async () => {
    const appId = await createTestApp(api.app);
    await put(appId, { region: 'sk1', accountId: 'W9R-SAME', passcode: PASSCODE });
    await api.t.ctx.store.db.run("INSERT INTO accounts (account_key, auth_state, updated_at) VALUES ('sk1:W9R-SAME', 'auth_failed', 1)");
    await patch(appId, { events: { ACTIVATE: { enabled: true } } });
    const still = await api.t.ctx.store.db.get<{ auth_state: string }>("SELECT auth_state FROM accounts WHERE account_key = 'sk1:W9R-SAME'");
    expect(still!.auth_state).toBe('auth_failed');
    await patch(appId, { passcode: 'fresh-passcode-9' });
    const after = await api.t.ctx.store.db.get<{ auth_state: string }>("SELECT auth_state FROM accounts WHERE account_key = 'sk1:W9R-SAME'");
    expect(after!.auth_state).toBe('ok');
  });
});

describe.each(DIALECTS)('concurrent settings changes on %s', (dialect) => {
  it('PATCHes sent at once all land (none merges into stale settings)', async () => {
    const t = await createTestContext(dialect);
    const app = await buildApp(t.ctx);
    try {
      const appId = await createTestApp(app);
      const url = `/api/v1/apps/${appId}/integrations/clevertap`;
      const names = ['ACTIVATE', 'DEACTIVATE', 'SUBSCRIPTION_STARTED', 'SUBSCRIPTION_RENEWED', 'TRIAL_STARTED', 'RENEWAL_DISABLED'];
      const results = await Promise.all(names.map((name) => app.inject({ method: 'PATCH', url, headers: AUTH, payload: { events: { [name]: { enabled: true } } } })));
      for (const res of results) expect(res.statusCode).toBe(200);
      const events = (await app.inject({ method: 'GET', url, headers: AUTH })).json().events;
      for (const name of names) expect(events[name].enabled).toBe(true);
    } finally {
      await app.close();
      await t.close();
    }
  });
});
