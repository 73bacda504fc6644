/**
 * Failed authentication (admin bearer token, dashboard login, SDK key) is limited per source
 * address: after 20 failures within a minute the address gets 429 `rate_limited` with
 * Retry-After for every credential check, right or wrong, until the minute is over. Other
 * addresses, successful requests, requests without credentials and webhooks are unaffected.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH, TEST_ADMIN_TOKEN } from '../helpers/context.js';
import { createTestApp } from '../processing/helpers.js';

const LIMIT = 20;
const WRONG = { authorization: 'Bearer not-the-admin-token-at-all' };

type Inject = (opts: {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  remoteAddress: string;
  headers?: Record<string, string>;
  payload?: object | string;
}) => Promise<LightMyRequestResponse>;

function expectThrottled(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBe(429);
  expect(res.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('rate limiting of failed authentication', () => {
  const api = useTestApi('sqlite');
  let appId = '';
  let sdkKey = '';
  const inject: Inject = (opts) => api.app.inject(opts);
  const attributes = () => `/api/v1/apps/${appId}/users/user-1/attributes`;

  beforeAll(async () => {
    ({ appId, sdkKey } = await createTestApp(api.t.ctx));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('throttles an address after 20 wrong bearer tokens, even for the right token, and leaves other addresses alone', async () => {
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.0.1', headers: WRONG });
      expect(res.statusCode, `attempt ${i + 1}`).toBe(401);
    }
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.0.1', headers: WRONG }));
    // Checked before the token: the right one reveals nothing either.
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.0.1', headers: AUTH }));
    expectThrottled(await inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.1', headers: AUTH }));
    const other = await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.0.2', headers: AUTH });
    expect(other.statusCode).toBe(200);
  });

  it('throttles dashboard logins the same way, and sets no cookie', async () => {
    for (let i = 0; i < LIMIT; i += 1) {
      const res = await inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '10.0.1.1', payload: { token: `guess-${i}` } });
      expect(res.statusCode).toBe(401);
    }
    const right = await inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '10.0.1.1', payload: { token: TEST_ADMIN_TOKEN } });
    expectThrottled(right);
    expect(right.headers['set-cookie']).toBeUndefined();
    const elsewhere = await inject({ method: 'POST', url: '/api/v1/session', remoteAddress: '10.0.1.2', payload: { token: TEST_ADMIN_TOKEN } });
    expect(elsewhere.statusCode).toBe(204);
  });

  it('throttles SDK key guesses, and counts every kind of failure together', async () => {
    for (let i = 0; i < LIMIT / 2; i += 1) {
      expect(
        (await inject({ method: 'PUT', url: attributes(), remoteAddress: '10.0.2.1', headers: { 'x-api-key': `pcb_sdk_guess${i}` }, payload: { clevertap_id: '__x' } })).statusCode,
      ).toBe(401);
      expect((await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.2.1', headers: WRONG })).statusCode).toBe(401);
    }
    expectThrottled(await inject({ method: 'PUT', url: attributes(), remoteAddress: '10.0.2.1', headers: { 'x-api-key': sdkKey }, payload: { clevertap_id: '__x' } }));
    const elsewhere = await inject({ method: 'PUT', url: attributes(), remoteAddress: '10.0.2.2', headers: { 'x-api-key': sdkKey }, payload: { clevertap_id: '__x' } });
    expect(elsewhere.statusCode).toBe(200);
  });

  it('never throttles webhooks: a bad signature stays 401 and a good one 200, from a throttled address', async () => {
    for (let i = 0; i < LIMIT; i += 1) await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.3.1', headers: WRONG });
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.3.1', headers: AUTH }));
    for (let i = 0; i < 5; i += 1) {
      const bad = await inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        remoteAddress: '10.0.3.1',
        headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': '1', 'x-purchasely-request-signature': 'nope' },
        payload: '{}',
      });
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error.code).toBe('invalid_signature');
    }
    const body = JSON.stringify({ event_id: 'rl-1', event_name: 'ACTIVATE', event_created_at_ms: Date.now(), user_id: 'u' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const good = await inject({
      method: 'POST',
      url: `/webhooks/purchasely/${appId}`,
      remoteAddress: '10.0.3.1',
      headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest('foobar', timestamp, body) },
      payload: body,
    });
    expect(good.statusCode, good.body).toBe(200);
    // Health checks are not authentication either.
    expect((await inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.3.1' })).statusCode).toBe(200);
  });

  it('counts neither successes nor requests that carry no credential', async () => {
    for (let i = 0; i < LIMIT * 2; i += 1) {
      expect((await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.4.1', headers: AUTH })).statusCode).toBe(200);
      expect((await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.4.1' })).statusCode).toBe(401);
    }
  });

  it('lets the address in again once the minute is over', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    for (let i = 0; i < LIMIT; i += 1) await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.5.1', headers: WRONG });
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.5.1', headers: AUTH }));
    vi.setSystemTime(Date.now() + 61_000);
    expect((await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.5.1', headers: AUTH })).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For unless PCBRIDGE_TRUST_PROXY is set', async () => {
    for (let i = 0; i < LIMIT; i += 1) {
      await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.6.1', headers: { ...WRONG, 'x-forwarded-for': `203.0.113.${i}` } });
    }
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.0.6.1', headers: { ...AUTH, 'x-forwarded-for': '203.0.113.200' } }));
  });
});

describe('rate limiting behind a trusted reverse proxy (PCBRIDGE_TRUST_PROXY)', () => {
  const api = useTestApi('sqlite', { env: { PCBRIDGE_TRUST_PROXY: '10.0.0.0/8' } });
  const inject: Inject = (opts) => api.app.inject(opts);

  it('counts the client address the proxy reports, so clients behind one proxy are apart', async () => {
    for (let i = 0; i < LIMIT; i += 1) {
      await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.9.9.9', headers: { ...WRONG, 'x-forwarded-for': '198.51.100.7' } });
    }
    expectThrottled(await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.9.9.9', headers: { ...AUTH, 'x-forwarded-for': '198.51.100.7' } }));
    const neighbour = await inject({ method: 'GET', url: '/api/v1/apps', remoteAddress: '10.9.9.9', headers: { ...AUTH, 'x-forwarded-for': '198.51.100.8' } });
    expect(neighbour.statusCode).toBe(200);
  });
});
