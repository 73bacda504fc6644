/**
 * Dashboard sessions live on the server (a table holding a hash of each cookie): logging out
 * revokes the session, so a copied cookie stops working; `pcbridge admin-token reset` ends every
 * session; a new admin token ends the sessions opened with the old one; they last 12 hours. The
 * cookie is Secure when the request came over HTTPS (X-Forwarded-Proto only with
 * PCBRIDGE_TRUST_PROXY) or when PCBRIDGE_PUBLIC_URL is https.
 */
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ensureAdminToken } from '../../src/runtime/bootstrap.js';
import { createManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH, TEST_ADMIN_TOKEN } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';

const TWELVE_HOURS = 12 * 3600_000;

async function login(app: FastifyInstance, token = TEST_ADMIN_TOKEN, headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string }> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', headers, payload: { token } });
  expect(res.statusCode, res.body).toBe(204);
  const setCookie = String(res.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}

async function status(app: FastifyInstance, cookie: string): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/api/v1/apps', headers: { cookie } })).statusCode;
}

describe.each(DIALECTS)('server-side sessions (%s)', (dialect) => {
  const clock = createManualClock(Date.now());
  const api = useTestApi(dialect, { clock });

  it('logging out revokes the session: a copied cookie stops working', async () => {
    const { cookie } = await login(api.app);
    const copy = cookie;
    expect(await status(api.app, cookie)).toBe(200);
    const logout = await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/pcb_session=;/);
    expect(await status(api.app, copy)).toBe(401);
  });

  it('logging out ends only that session', async () => {
    const first = await login(api.app);
    const second = await login(api.app);
    expect(first.cookie).not.toBe(second.cookie);
    await api.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: first.cookie } });
    expect(await status(api.app, first.cookie)).toBe(401);
    expect(await status(api.app, second.cookie)).toBe(200);
  });

  it('stores only a hash of the cookie', async () => {
    const { cookie } = await login(api.app);
    const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
    expect(value.length).toBeGreaterThanOrEqual(40);
    const rows = await api.t.ctx.store.db.all<Record<string, unknown>>('SELECT * FROM sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it('a session lasts 12 hours', async () => {
    const { cookie, setCookie } = await login(api.app);
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie)![1]!);
    expect(Math.abs(expires - (clock.now() + TWELVE_HOURS))).toBeLessThan(2000);
    clock.advance(TWELVE_HOURS - 1000);
    expect(await status(api.app, cookie)).toBe(200);
    clock.advance(2000);
    expect(await status(api.app, cookie)).toBe(401);
  });

  it('a new admin token ends the sessions opened with the old one', async () => {
    const { cookie } = await login(api.app);
    const config = loadConfig({ ...api.t.env, PCBRIDGE_ADMIN_TOKEN: 'a-completely-different-admin-token' });
    const other = await buildApp({ ...api.t.ctx, config });
    try {
      expect(await status(other, cookie)).toBe(401);
      expect(await status(api.app, cookie)).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('admin-token reset ends every session (generated token, SQLite)', () => {
  // A clock that does not move: the server's 2-second cache of the token hash never expires,
  // so only the revoked sessions can make the old cookie fail.
  const clock = createManualClock(Date.now());
  const api = useTestApi('sqlite', { clock, env: { PCBRIDGE_ADMIN_TOKEN: '' } });

  it('a cookie from before the reset answers 401 at once', async () => {
    const { generated } = await ensureAdminToken(api.t.ctx.store, api.t.ctx.config);
    expect(generated).toBeTruthy();
    const { cookie } = await login(api.app, generated!);
    expect(await status(api.app, cookie)).toBe(200);
    const reset = await runCli(['admin-token', 'reset'], {
      DATABASE_URL: api.t.env.DATABASE_URL,
      PCBRIDGE_SECRET_KEY: api.t.env.PCBRIDGE_SECRET_KEY,
      PCBRIDGE_ADMIN_TOKEN: undefined,
    });
    expect(reset.code, reset.stderr).toBe(0);
    expect(await status(api.app, cookie)).toBe(401);
  });
});

describe('the Secure cookie attribute', () => {
  const plain = useTestApi('sqlite');
  const https = useTestApi('sqlite', { env: { PCBRIDGE_PUBLIC_URL: 'https://bridge.example.com' } });
  const proxied = useTestApi('sqlite', { env: { PCBRIDGE_TRUST_PROXY: 'loopback' } });

  it('is off over plain HTTP, and a forged X-Forwarded-Proto does not turn it on without a trusted proxy', async () => {
    expect((await login(plain.app)).setCookie).not.toMatch(/;\s*Secure/i);
    expect((await login(plain.app, TEST_ADMIN_TOKEN, { 'x-forwarded-proto': 'https' })).setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('is on when PCBRIDGE_PUBLIC_URL is https', async () => {
    expect((await login(https.app)).setCookie).toMatch(/;\s*Secure/i);
  });

  it('is on behind a trusted proxy that says the request came over HTTPS', async () => {
    expect((await login(proxied.app, TEST_ADMIN_TOKEN, { 'x-forwarded-proto': 'https' })).setCookie).toMatch(/;\s*Secure/i);
    expect((await login(proxied.app, TEST_ADMIN_TOKEN, { 'x-forwarded-proto': 'http' })).setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('the bearer token still works beside cookies', async () => {
    expect((await plain.app.inject({ method: 'GET', url: '/api/v1/apps', headers: AUTH })).statusCode).toBe(200);
  });
});
