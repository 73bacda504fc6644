import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readRecords, storeSettings } from '../processing/helpers.js';

const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';

describe.each(DIALECTS)('attributes API (%s)', (dialect) => {
  const api = useTestApi(dialect);
  let appId: string;
  let sdkKey: string;
  let otherSdkKey: string;
  const url = (userKey: string, id = appId) => `/api/v1/apps/${id}/users/${encodeURIComponent(userKey)}/attributes`;

  beforeAll(async () => {
    ({ appId, sdkKey } = await createTestApp(api.t.ctx));
    ({ sdkKey: otherSdkKey } = await createTestApp(api.t.ctx));
  });

  it('sets, reads and deletes a CleverTap ID with the admin token', async () => {
    const put = await api.app.inject({ method: 'PUT', url: url('user-1'), headers: AUTH, payload: { clevertap_id: '__g5e0abc' } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ clevertap_id: '__g5e0abc' });

    const get = await api.app.inject({ method: 'GET', url: url('user-1'), headers: AUTH });
    expect(get.statusCode).toBe(200);
    expect(get.json()).toEqual({ clevertap_id: '__g5e0abc' });

    const del = await api.app.inject({ method: 'DELETE', url: url('user-1'), headers: AUTH });
    expect(del.statusCode).toBe(204);
    const gone = await api.app.inject({ method: 'GET', url: url('user-1'), headers: AUTH });
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error.code).toBe('not_found');
  });

  it("PUT also accepts the app's SDK key in X-Api-Key", async () => {
    const put = await api.app.inject({ method: 'PUT', url: url('user-2'), headers: { 'x-api-key': sdkKey }, payload: { clevertap_id: '-HwB9gZ' } });
    expect(put.statusCode).toBe(200);
    const get = await api.app.inject({ method: 'GET', url: url('user-2'), headers: AUTH });
    expect(get.json()).toEqual({ clevertap_id: '-HwB9gZ' });
  });

  it('the SDK key can do nothing else: GET and DELETE answer 401 with it', async () => {
    const get = await api.app.inject({ method: 'GET', url: url('user-2'), headers: { 'x-api-key': sdkKey } });
    expect(get.statusCode).toBe(401);
    expect(get.json().error.code).toBe('unauthorized');
    const del = await api.app.inject({ method: 'DELETE', url: url('user-2'), headers: { 'x-api-key': sdkKey } });
    expect(del.statusCode).toBe(401);
    const apps = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: { 'x-api-key': sdkKey } });
    expect(apps.statusCode).toBe(401);
  });

  it("a wrong SDK key, another app's SDK key or no credential at all answers 401", async () => {
    for (const headers of [{ 'x-api-key': 'pcb_sdk_wrong' }, { 'x-api-key': otherSdkKey }, {}]) {
      const res = await api.app.inject({ method: 'PUT', url: url('user-3'), headers, payload: { clevertap_id: '__x' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const get = await api.app.inject({ method: 'GET', url: url('user-3'), headers: AUTH });
    expect(get.statusCode).toBe(404);
  });

  it.each([
    ['an empty ID', ''],
    ['an ID with a space', 'abc def'],
    ['an ID of 65 characters', 'a'.repeat(65)],
    ['an ID with a control character', 'abc\u0001'],
    ['an ID with non-ASCII text', 'idé'],
  ])('refuses %s with 422 validation_failed', async (_name, value) => {
    const res = await api.app.inject({ method: 'PUT', url: url('user-4'), headers: AUTH, payload: { clevertap_id: value } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details[0].path).toBe('/clevertap_id');
  });

  it('accepts an ID of exactly 64 printable characters', async () => {
    const value = '!~'.repeat(32);
    const res = await api.app.inject({ method: 'PUT', url: url('user-5'), headers: AUTH, payload: { clevertap_id: value } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a body without clevertap_id with 422', async () => {
    const res = await api.app.inject({ method: 'PUT', url: url('user-4'), headers: AUTH, payload: {} });
    expect(res.statusCode).toBe(422);
  });

  it('answers 404 unknown_app for an unknown app with the admin token', async () => {
    const res = await api.app.inject({ method: 'PUT', url: url('user-1', 'app_doesnotexist'), headers: AUTH, payload: { clevertap_id: '__x' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('unknown_app');
  });

  it("PUT with the SDK key releases the user's held records and lists none held afterwards", async () => {
    await storeSettings(api.t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    await insertEvent(api.t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await processAll(api.t.ctx);
    const heldUrl = `/api/v1/apps/${appId}/users/${ANON}/held-records`;
    const before = await api.app.inject({ method: 'GET', url: heldUrl, headers: AUTH });
    expect(before.json().items.map((r: { kind: string }) => r.kind)).toEqual(['event', 'profile']);

    const put = await api.app.inject({ method: 'PUT', url: url(ANON), headers: { 'x-api-key': sdkKey }, payload: { clevertap_id: '__anon' } });
    expect(put.statusCode).toBe(200);
    expect((await readRecords(api.t.ctx, appId)).map((r) => r.state)).toEqual(['pending', 'pending']);
    const after = await api.app.inject({ method: 'GET', url: heldUrl, headers: AUTH });
    expect(after.json().items).toEqual([]);
  });
});
