/**
 * DELETE /apps/{appId}/users/{userKey}?clevertap=true (issue 14 "Erasure reaches CleverTap"), on
 * both stores, against the emulator over real HTTP: the user's profiles are deleted in
 * CleverTap by every identifier pcbridge sent them under, and the answer says whether CleverTap
 * accepted it; the local erasure happens either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createIntegratedApp, MAIN, postEvent, settle, subscriptionEvent, T0 } from '../preview/helpers.js';

type Erasure = {
  erased: boolean;
  clevertap: {
    ok: boolean;
    message: string;
    identifiers: { identity: string[]; guid: string[] };
    requests: { account: string; by: string; count: number; ok: boolean; httpStatus: number | null; message: string }[];
  };
};

describe.each(DIALECTS)('erasure reaching CleverTap (%s)', (dialect) => {
  let emu: ClevertapEmulator;
  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [MAIN] });
  });
  afterAll(async () => {
    await emu?.close();
  });
  const api = useTestApi(dialect, () => ({ env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } }));
  let appId: string;

  const erase = (userKey: string, query = '?clevertap=true', id = appId) =>
    api.app.inject({ method: 'DELETE', url: `/api/v1/apps/${id}/users/${encodeURIComponent(userKey)}${query}`, headers: AUTH });

  beforeAll(async () => {
    appId = await createIntegratedApp(api.app);
    // Sent first under the user ID, then under the CleverTap ID the app set for the anonymous ID.
    await postEvent(api.app, appId, subscriptionEvent('ev-1', 'SUBSCRIPTION_STARTED', { userId: 'user-9', anonymousUserId: 'anon-9' }, T0));
    await settle(api.t.ctx);
    await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/users/anon-9/attributes`, headers: AUTH, payload: { clevertap_id: 'ct-anon-9' } });
    await postEvent(
      api.app,
      appId,
      subscriptionEvent('ev-2', 'RENEWAL_DISABLED', { userId: 'user-9', anonymousUserId: 'anon-9' }, T0 + 60_000, { subscription_status: 'AUTO_RENEWING_CANCELED' }),
    );
    for (const user of ['user-keep', 'user-401', 'user-plain']) {
      await postEvent(api.app, appId, subscriptionEvent(`ev-${user}`, 'SUBSCRIPTION_STARTED', { userId: user }, T0));
    }
    await settle(api.t.ctx);
  });

  it('deletes the user’s profiles under every identifier they were sent with, and says CleverTap accepted it', async () => {
    expect(emu.profile(MAIN.accountId, { identity: 'user-9' })).toBeDefined();
    expect(emu.profile(MAIN.accountId, { objectId: 'ct-anon-9' })).toBeDefined();

    const res = await erase('user-9');
    expect(res.statusCode).toBe(200);
    const body = res.json() as Erasure;
    expect(body.erased).toBe(true);
    expect(body.clevertap).toMatchObject({ ok: true, identifiers: { identity: ['user-9'], guid: ['ct-anon-9'] } });
    expect(body.clevertap.requests).toEqual([
      { account: 'main', by: 'identity', count: 1, ok: true, httpStatus: 200, message: expect.any(String) },
      { account: 'main', by: 'guid', count: 1, ok: true, httpStatus: 200, message: expect.any(String) },
    ]);
    expect(emu.profile(MAIN.accountId, { identity: 'user-9' })).toBeUndefined();
    expect(emu.profile(MAIN.accountId, { objectId: 'ct-anon-9' })).toBeUndefined();
    expect(emu.profile(MAIN.accountId, { identity: 'user-keep' })).toBeDefined();

    // And pcbridge's own erasure happened as without the flag.
    const db = api.t.ctx.store.db;
    expect(await db.all("SELECT user_key FROM user_states WHERE app_id = ? AND user_key IN ('user-9', 'anon-9')", [appId])).toEqual([]);
    expect(await db.all("SELECT user_key FROM user_attributes WHERE app_id = ? AND user_key = 'anon-9'", [appId])).toEqual([]);
  });

  it('says so when CleverTap refuses, and still erases what pcbridge stores', async () => {
    emu.setFaults({ all401: true });
    try {
      const res = await erase('user-401');
      expect(res.statusCode).toBe(200);
      const body = res.json() as Erasure;
      expect(body.clevertap.ok).toBe(false);
      expect(body.clevertap.message).toMatch(/did not accept 1 of 1 deletion request/);
      expect(body.clevertap.requests[0]).toMatchObject({ by: 'identity', ok: false, httpStatus: 401 });
    } finally {
      emu.setFaults({ all401: false });
    }
    expect(await api.t.ctx.store.db.all("SELECT user_key FROM user_states WHERE app_id = ? AND user_key = 'user-401'", [appId])).toEqual([]);
    expect(emu.profile(MAIN.accountId, { identity: 'user-401' })).toBeDefined();
  });

  it('without the flag answers 204 and leaves CleverTap alone; without saved credentials says nothing was deleted', async () => {
    const plain = await erase('user-plain', '');
    expect(plain.statusCode).toBe(204);
    expect(emu.profile(MAIN.accountId, { identity: 'user-plain' })).toBeDefined();

    const noAccount = await createIntegratedApp(api.app);
    await api.t.ctx.store.db.run('UPDATE integrations SET passcode_enc = NULL WHERE app_id = ?', [noAccount]);
    const res = await erase('user-keep', '?clevertap=true', noAccount);
    expect(res.statusCode).toBe(200);
    expect((res.json() as Erasure).clevertap).toMatchObject({ ok: false, requests: [], message: expect.stringMatching(/nothing was deleted in CleverTap/) });

    expect((await erase('user-keep', '?clevertap=true', 'no-such-app')).statusCode).toBe(404);
  });
});
