/**
 * NUL and lone surrogates in a path or query string: PostgreSQL cannot hold them (a query with
 * one fails), so they get ingest's text rule (U+FFFD). No route answers 500, and a user whose
 * id was stored with a NUL (as `a\uFFFDb`) is reached as `a%00b`: the SDK's attribute call and a
 * privacy erasure find them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp } from '../processing/helpers.js';

describe.each(DIALECTS)('unstorable text in paths and query strings (%s)', (dialect) => {
  const api = useTestApi(dialect);
  let appId = '';
  let sdkKey = '';
  beforeAll(async () => {
    ({ appId, sdkKey } = await createTestApp(api.t.ctx));
  });

  it.each([
    ['GET', '/api/v1/apps/%00'],
    ['GET', '/api/v1/apps/a%ED%A0%80b'],
    ['GET', '/api/v1/apps/APP/events?userKey=%00&eventName=a%00&environment=%00'],
    ['GET', '/api/v1/apps/APP/events/%00'],
    ['POST', '/api/v1/apps/APP/events/%00/replay'],
    ['GET', '/api/v1/apps/APP/users/a%00b/attributes'],
    ['DELETE', '/api/v1/apps/APP/users/a%00b/attributes'],
    ['DELETE', '/api/v1/apps/APP/users/a%00b'],
  ] as const)('%s %s answers in the SPEC shape, never 500', async (method, path) => {
    const res = await api.app.inject({ method, url: path.replace('APP', appId), headers: AUTH });
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode >= 400) expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('reaches a user stored with a NUL in its id through a%00b, with the SDK key and the admin token', async () => {
    const put = await api.app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/users/a%00b/attributes`,
      headers: { 'x-api-key': sdkKey, 'content-type': 'application/json' },
      payload: { clevertap_id: 'ct-nul-user' },
    });
    expect(put.statusCode, put.body).toBe(200);
    const row = await api.t.ctx.store.db.get<{ user_key: string }>('SELECT user_key FROM user_attributes WHERE app_id = ?', [appId]);
    expect(row?.user_key).toBe('a\uFFFDb');
    const get = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/users/a%00b/attributes`, headers: AUTH });
    expect(get.json()).toMatchObject({ clevertap_id: 'ct-nul-user' });
  });
});
