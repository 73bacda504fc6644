import { describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH, TEST_ADMIN_TOKEN } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';

describe.each(DIALECTS)('apps API on %s', (dialect) => {
  const api = useTestApi(dialect);

  async function create(name = 'Demo', webhookSecret = 'purchasely-shared-secret') {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name, webhookSecret } });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; name: string; webhookPath: string; sdkKey: string };
  }

  it('creates an app and shows the SDK key only at creation', async () => {
    const created = await create('Demo');
    expect(created.id).toMatch(/^app_[a-z2-7]{16}$/);
    expect(created.webhookPath).toBe(`/webhooks/purchasely/${created.id}`);
    expect(created.sdkKey).toMatch(/^pcb_sdk_/);
    const got = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${created.id}`, headers: AUTH });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ id: created.id, name: 'Demo', signatureToleranceSeconds: 300, allowLegacySignatures: false });
    expect(got.body).not.toContain('sdkKey');
    expect(got.body).not.toContain('purchasely-shared-secret');
    const list = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: AUTH });
    expect(list.json().items.map((a: { id: string }) => a.id)).toContain(created.id);
    expect(list.body).not.toContain('purchasely-shared-secret');
  });

  it('patches name, tolerance and legacy signatures, and refuses other fields', async () => {
    const { id } = await create();
    const res = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/apps/${id}`,
      headers: AUTH,
      payload: { name: 'Renamed', signatureToleranceSeconds: 60, allowLegacySignatures: true },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', signatureToleranceSeconds: 60, allowLegacySignatures: true });
    const bad = await api.app.inject({ method: 'PATCH', url: `/api/v1/apps/${id}`, headers: AUTH, payload: { webhookSecret: 'x', signatureToleranceSeconds: -1 } });
    expect(bad.statusCode).toBe(422);
    const body = bad.json();
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('/webhookSecret');
    expect(paths).toContain('/signatureToleranceSeconds');
  });

  it('keeps the previous webhook secret active until it is retired', async () => {
    const { id } = await create();
    const set = await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${id}/webhook-secret`, headers: AUTH, payload: { secret: 'new-secret' } });
    expect(set.statusCode).toBe(200);
    expect(set.json().previousWebhookSecretActive).toBe(true);
    const stored = await api.t.ctx.store.apps.get(id);
    expect(api.t.ctx.secrets.decrypt(stored!.webhookSecretEnc)).toBe('new-secret');
    expect(api.t.ctx.secrets.decrypt(stored!.previousWebhookSecretEnc!)).toBe('purchasely-shared-secret');
    const retired = await api.app.inject({ method: 'DELETE', url: `/api/v1/apps/${id}/webhook-secret/previous`, headers: AUTH });
    expect(retired.json().previousWebhookSecretActive).toBe(false);
    expect((await api.t.ctx.store.apps.get(id))!.previousWebhookSecretEnc).toBeNull();
  });

  it('rotates the SDK key and shows the new one once', async () => {
    const { id, sdkKey } = await create();
    const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${id}/sdk-key/rotate`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().sdkKey as string;
    expect(fresh).toMatch(/^pcb_sdk_/);
    expect(fresh).not.toBe(sdkKey);
    expect((await api.t.ctx.store.apps.get(id))!.sdkKeyDigest).toBe(api.t.ctx.secrets.digest(fresh));
  });

  it('deletes an app, then answers not_found for it', async () => {
    const { id } = await create();
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/apps/${id}`, headers: AUTH })).statusCode).toBe(204);
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${id}`, headers: AUTH });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: `No app with id ${id}.` } });
  });

  it('requires the admin token on every API route', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/apps'],
      ['POST', '/api/v1/apps'],
      ['GET', '/api/v1/apps/app_x'],
      ['GET', '/metrics'],
      ['GET', '/docs'],
    ] as const) {
      const res = await api.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    const wrong = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
  });

  it('logs in with a session cookie that is HttpOnly and SameSite=Strict, and logs out', async () => {
    const bad = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: 'wrong' } });
    expect(bad.statusCode).toBe(401);
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: TEST_ADMIN_TOKEN } });
    expect(login.statusCode).toBe(204);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const list = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: { cookie } });
    expect(list.statusCode).toBe(200);
    // A cookie-authenticated write must be JSON: a cross-site form cannot forge it.
    const form = await api.app.inject({
      method: 'POST',
      url: '/api/v1/apps',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=x&webhookSecret=y',
    });
    expect(form.statusCode).toBe(415);
    const json = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: { cookie }, payload: { name: 'ViaCookie', webhookSecret: 's' } });
    expect(json.statusCode).toBe(201);
    const logout = await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/pcb_session=;/);
    const forged = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: { cookie: 'pcb_session=99999999999999.deadbeef' } });
    expect(forged.statusCode).toBe(401);
  });

  it('answers errors in the SPEC form: unknown route, bad JSON, validation', async () => {
    const unknown = await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: AUTH });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
    const root404 = await api.app.inject({ method: 'GET', url: '/nothing' });
    expect(root404.json().error.code).toBe('not_found');
    const badJson = await api.app.inject({
      method: 'POST',
      url: '/api/v1/apps',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toEqual({ error: { code: 'invalid_json', message: 'The body is not valid JSON.' } });
    const invalid = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { extra: true } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.details).toEqual(
      expect.arrayContaining([
        { path: '/name', message: 'is required' },
        { path: '/webhookSecret', message: 'is required' },
        { path: '/extra', message: 'is not a known field' },
      ]),
    );
    expect(invalid.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    expect(metrics.body).toContain('pcbridge_http_requests_total');
    const docs = await api.app.inject({ method: 'GET', url: '/docs', headers: AUTH });
    expect(docs.json().openapi).toMatch(/^3\./);
    expect(Object.keys(docs.json().paths)).toContain('/api/v1/apps');
  });
});
