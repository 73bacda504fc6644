/**
 * Every error the framework itself raises leaves in the SPEC's shape
 * `{"error": {"code", "message"}}` (never Fastify's `{"error": "Bad Request", "code": "FST_ERR_…"}`,
 * never "Client Error", never a stack trace), and request bodies are not coerced: a number is
 * not a string.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { createTestApp } from '../processing/helpers.js';

function expectSpecError(res: { statusCode: number; body: string }, status: number, code: string): void {
  expect(res.statusCode, res.body).toBe(status);
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
  expect(res.body).not.toMatch(/FST_ERR|statusCode|at .*\.(ts|js):\d+/);
}

/** Sends raw bytes to a listening server and returns what comes back before it closes. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

function parseRawResponse(raw: string): { statusCode: number; body: string } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  return { statusCode: Number(/^HTTP\/1\.1 (\d+)/.exec(head ?? '')?.[1]), body: rest.join('\r\n\r\n') };
}

describe('framework errors in the SPEC shape', () => {
  const api = useTestApi('sqlite');
  let appId = '';
  beforeAll(async () => {
    ({ appId } = await createTestApp(api.t.ctx));
  });

  it('an unknown route is not_found, under /api/v1 and anywhere else', async () => {
    expectSpecError(await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: AUTH }), 404, 'not_found');
    expectSpecError(await api.app.inject({ method: 'POST', url: '/nothing-here', headers: AUTH }), 404, 'not_found');
  });

  it('a body that is not JSON is invalid_json; an unsupported media type is 415; a body over the limit is payload_too_large', async () => {
    expectSpecError(
      await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"name": ' }),
      400,
      'invalid_json',
    );
    expectSpecError(await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '' }), 400, 'invalid_json');
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      expectSpecError(await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: { ...AUTH, 'content-type': type }, payload: 'name=x' }), 415, 'unsupported_media_type');
    }
    expectSpecError(
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/apps',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), webhookSecret: 's' }),
      }),
      413,
      'payload_too_large',
    );
  });

  it('a path that does not decode is bad_request', async () => {
    expectSpecError(await api.app.inject({ method: 'GET', url: `/api/v1/apps/%E0%A4%A`, headers: AUTH }), 400, 'bad_request');
  });

  it('a malformed HTTP request gets the SPEC shape, not "Client Error"', async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    const garbage = parseRawResponse(await rawExchange(port, 'THIS IS NOT HTTP\r\n\r\n'));
    expectSpecError(garbage, 400, 'bad_request');
    const hugeHeader = parseRawResponse(await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expectSpecError(hugeHeader, 431, 'request_header_fields_too_large');
  });

  it('validation errors are validation_failed with details, never a stack', async () => {
    const res = await api.app.inject({ method: 'PATCH', url: `/api/v1/apps/${appId}`, headers: AUTH, payload: { name: '' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: '/name', message: expect.any(String) }] });
  });
});

describe('a request that arrives while the server drains', () => {
  const api = useTestApi('sqlite');

  it('gets 503 in the SPEC shape, and the request in flight its answer', async () => {
    api.app.get('/__slow', { schema: { hide: true } }, async () => {
      await new Promise((r) => setTimeout(r, 400));
      return { done: true };
    });
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /__slow HTTP/1.1\r\nHost: x\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => {
        void api.app.close();
        // The connection is busy, so it stays open: a request sent on it now meets a closing server.
        setTimeout(() => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'), 50);
      }, 100);
    });
    const responses = raw.split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(responses[0]).toContain('{"done":true}');
    const drained = parseRawResponse(responses[1] ?? '');
    expectSpecError(drained, 503, 'shutting_down');
  });
});

describe('no type coercion of request bodies', () => {
  const api = useTestApi('sqlite');
  let appId = '';
  beforeAll(async () => {
    ({ appId } = await createTestApp(api.t.ctx));
  });

  it('a number where a string is expected is validation_failed, and nothing changes', async () => {
    const before = (await api.t.ctx.store.apps.get(appId))!.webhookSecretEnc;
    const res = await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/webhook-secret`, headers: AUTH, payload: { secret: 12345 } });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: '/secret', message: expect.any(String) }] });
    expect((await api.t.ctx.store.apps.get(appId))!.webhookSecretEnc).toBe(before);
  });

  it('strings, booleans and numbers are not converted into one another', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 42, webhookSecret: true } });
    expect(created.statusCode, created.body).toBe(422);
    expect(
      created
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['/name', '/webhookSecret']);
    const patched = await api.app.inject({
      method: 'PATCH',
      url: `/api/v1/apps/${appId}`,
      headers: AUTH,
      payload: { signatureToleranceSeconds: '60', allowLegacySignatures: 'true' },
    });
    expect(patched.statusCode, patched.body).toBe(422);
    expect(
      patched
        .json()
        .error.details.map((d: { path: string }) => d.path)
        .sort(),
    ).toEqual(['/allowLegacySignatures', '/signatureToleranceSeconds']);
    const attr = await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/users/u1/attributes`, headers: AUTH, payload: { clevertap_id: 123456 } });
    expect(attr.statusCode, attr.body).toBe(422);
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: 1234567890123456 } });
    expect(login.statusCode, login.body).toBe(422);
  });

  it('query strings still read numbers and booleans (they are text on the wire)', async () => {
    const list = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events?limit=10`, headers: AUTH });
    expect(list.statusCode, list.body).toBe(200);
    const bad = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events?limit=ten`, headers: AUTH });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].path).toBe('/querystring/limit');
    const replay = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/events/nope/replay?force=true`, headers: AUTH });
    expect(replay.statusCode, replay.body).toBe(404);
  });
});
