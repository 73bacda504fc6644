/**
 * Security headers on every answer of the dashboard and the API: a Content-Security-Policy
 * without inline scripts, no framing, nosniff, no referrer; HSTS only when the public URL is
 * https (a plain-HTTP install must not pin browsers to HTTPS).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { ensureDashboardBuilt, ROOT } from '../web/browser.js';

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

function expectSecurityHeaders(headers: Record<string, unknown>, what: string): void {
  const csp = String(headers['content-security-policy'] ?? '');
  const d = directives(csp);
  expect(d.get('default-src'), `${what}: ${csp}`).toEqual(["'self'"]);
  expect(d.get('script-src'), what).toEqual(["'self'"]);
  expect(d.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(d.get('object-src'), what).toEqual(["'none'"]);
  expect(d.get('base-uri'), what).toEqual(["'none'"]);
  expect(d.get('form-action'), what).toEqual(["'self'"]);
  expect(csp, what).not.toContain('unsafe-inline');
  expect(csp, what).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
}

describe('security headers', () => {
  const api = useTestApi('sqlite');
  let asset = '';
  beforeAll(async () => {
    await ensureDashboardBuilt();
    asset = `/assets/${readdirSync(join(ROOT, 'web/dist/assets')).find((f) => f.endsWith('.js'))}`;
  });

  it('on the dashboard page, its assets and its deep links', async () => {
    for (const url of ['/', '/login', '/apps/app_x/events', asset]) {
      const res = await api.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect(res.statusCode, url).toBe(200);
      expectSecurityHeaders(res.headers, url);
    }
  });

  it('on API answers, errors included, and on the operations endpoints', async () => {
    const cases = [
      { method: 'GET', url: '/api/v1/apps', headers: AUTH, status: 200 },
      { method: 'GET', url: '/api/v1/apps', headers: {}, status: 401 },
      { method: 'GET', url: '/api/v1/apps/app_missing', headers: AUTH, status: 404 },
      { method: 'GET', url: '/api/v1/nothing', headers: AUTH, status: 404 },
      { method: 'POST', url: '/api/v1/apps', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{', status: 400 },
      { method: 'POST', url: '/api/v1/session', headers: {}, payload: { token: 'wrong' }, status: 401 },
      { method: 'GET', url: '/docs', headers: AUTH, status: 200 },
      { method: 'GET', url: '/metrics', headers: AUTH, status: 200 },
      { method: 'GET', url: '/healthz', headers: {}, status: 200 },
    ] as const;
    for (const c of cases) {
      const res = await api.app.inject({ method: c.method, url: c.url, headers: c.headers, ...('payload' in c ? { payload: c.payload } : {}) });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(c.status);
      expectSecurityHeaders(res.headers, `${c.method} ${c.url} (${c.status})`);
    }
  });

  it('leaves them off the Purchasely webhook (machine to machine, on the hot path)', async () => {
    const res = await api.app.inject({ method: 'POST', url: '/webhooks/purchasely/app_missing', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('sends no HSTS on a plain-HTTP install', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('security headers with an https PCBRIDGE_PUBLIC_URL', () => {
  const api = useTestApi('sqlite', { env: { PCBRIDGE_PUBLIC_URL: 'https://bridge.example.com' } });

  it('adds HSTS and upgrade-insecure-requests', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });
});
