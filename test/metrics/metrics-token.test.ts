/**
 * PCBRIDGE_METRICS_TOKEN is a scrape-only credential: it opens GET /metrics and nothing else.
 * The admin token and the dashboard session still open /metrics; a wrong token there is a failed
 * authentication like any other (it counts towards the per-address limit), and the token never
 * reaches the logs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { buildApp } from '../../src/http/app.js';
import { AUTH_FAILURE_LIMIT } from '../../src/http/plugins/auth-failure-limit.js';
import { createLogger } from '../../src/logger.js';
import { AUTH, TEST_ADMIN_TOKEN, createTestContext, type TestContext } from '../helpers/context.js';

const METRICS_TOKEN = 'scrape-only-token-0123456789abcdef';
const SCRAPE = { authorization: `Bearer ${METRICS_TOKEN}` } as const;

let address = 0;
/** A fresh source address per request group, so the failure limit of one test never touches another. */
const nextAddress = (): string => `10.9.${Math.floor(++address / 250)}.${address % 250}`;

describe('GET /metrics with PCBRIDGE_METRICS_TOKEN', () => {
  let t: TestContext;
  let app: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await createTestContext('sqlite', { env: { PCBRIDGE_METRICS_TOKEN: METRICS_TOKEN } });
    // Everything the app logs, at the most verbose level, to check the token never appears.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    app = await buildApp({ ...t.ctx, logger: createLogger('trace', sink) });
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('answers the Prometheus text to the metrics token', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: SCRAPE, remoteAddress: nextAddress() });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain('# TYPE pcbridge_outbox_records gauge');
    expect(res.body).toContain('# TYPE pcbridge_unprocessed_events gauge');
    expect(res.body).toContain('# TYPE pcbridge_clevertap_accounts_auth_failed gauge');
  });

  it('still answers to the admin token and to a dashboard session', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: AUTH, remoteAddress: nextAddress() })).statusCode).toBe(200);
    const login = await app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: TEST_ADMIN_TOKEN }, remoteAddress: nextAddress() });
    expect(login.statusCode).toBeLessThan(300);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { cookie }, remoteAddress: nextAddress() })).statusCode).toBe(200);
  });

  it('refuses /metrics without a credential or with a wrong token', async () => {
    const none = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: nextAddress() });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer not-the-metrics-token-000' }, remoteAddress: nextAddress() });
    expect(wrong.statusCode).toBe(401);
  });

  it.each([
    ['GET', '/api/v1/apps'],
    ['POST', '/api/v1/apps'],
    ['GET', '/docs'],
    ['GET', '/docs/json'],
    ['GET', '/api/v1/session'],
  ] as const)('opens nothing else: %s %s answers 401 to the metrics token', async (method, url) => {
    const res = await app.inject({
      method,
      url,
      headers: { ...SCRAPE, 'content-type': 'application/json' },
      payload: method === 'POST' ? { name: 'x', webhookSecret: 'y' } : undefined,
      remoteAddress: nextAddress(),
    });
    expect([401, 404]).toContain(res.statusCode);
    if (res.statusCode === 404)
      expect(url).toBe('/api/v1/session'); // GET /session does not exist at all
    else expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('counts a wrong token on /metrics as a failed authentication, and throttles even the right one after the limit', async () => {
    const from = nextAddress();
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer wrong-metrics-token-${i}-0000` }, remoteAddress: from });
      expect(res.statusCode).toBe(401);
    }
    const throttled = await app.inject({ method: 'GET', url: '/metrics', headers: SCRAPE, remoteAddress: from });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Another address is not affected.
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: SCRAPE, remoteAddress: nextAddress() })).statusCode).toBe(200);
  });

  it('counts the metrics token used on an admin route as a failed authentication', async () => {
    const from = nextAddress();
    for (let i = 0; i < AUTH_FAILURE_LIMIT; i++) {
      expect((await app.inject({ method: 'GET', url: '/api/v1/apps', headers: SCRAPE, remoteAddress: from })).statusCode).toBe(401);
    }
    expect((await app.inject({ method: 'GET', url: '/api/v1/apps', headers: AUTH, remoteAddress: from })).statusCode).toBe(429);
  });

  it('never writes the token to the logs', async () => {
    await app.inject({ method: 'GET', url: '/metrics', headers: SCRAPE, remoteAddress: nextAddress() });
    await app.inject({ method: 'GET', url: '/api/v1/apps', headers: SCRAPE, remoteAddress: nextAddress() });
    // A request's own log line, as Fastify writes it when request logging is on.
    app.log.info({ req: { method: 'GET', url: '/metrics', headers: { authorization: SCRAPE.authorization } } }, 'incoming request');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(METRICS_TOKEN);
  });
});

describe('GET /metrics without PCBRIDGE_METRICS_TOKEN', () => {
  let t: TestContext;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('takes only the admin credentials, as before', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: AUTH, remoteAddress: nextAddress() })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: SCRAPE, remoteAddress: nextAddress() })).statusCode).toBe(401);
  });
});

describe('PCBRIDGE_METRICS_TOKEN configuration', () => {
  const base = { DATABASE_URL: 'sqlite:./data/x.db' };

  it('is unset by default', () => {
    expect(loadConfig(base).metricsToken).toBeNull();
    expect(loadConfig({ ...base, PCBRIDGE_METRICS_TOKEN: '' }).metricsToken).toBeNull();
  });

  it('is read from the variable or from the file named by PCBRIDGE_METRICS_TOKEN_FILE', () => {
    expect(loadConfig({ ...base, PCBRIDGE_METRICS_TOKEN: METRICS_TOKEN }).metricsToken).toBe(METRICS_TOKEN);
    const dir = mkdtempSync(join(tmpdir(), 'pcb-metrics-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, `${METRICS_TOKEN}\n`);
    expect(loadConfig({ ...base, PCBRIDGE_METRICS_TOKEN_FILE: file }).metricsToken).toBe(METRICS_TOKEN);
  });

  it('refuses both forms at once, an unreadable file and a short token, naming the variable', () => {
    const attempt = (env: Record<string, string>): ConfigError => {
      try {
        loadConfig({ ...base, ...env });
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('loadConfig accepted it');
    };
    expect(attempt({ PCBRIDGE_METRICS_TOKEN: METRICS_TOKEN, PCBRIDGE_METRICS_TOKEN_FILE: '/nonexistent' }).message).toContain('PCBRIDGE_METRICS_TOKEN');
    expect(attempt({ PCBRIDGE_METRICS_TOKEN_FILE: '/nonexistent/metrics-token' }).message).toContain('PCBRIDGE_METRICS_TOKEN_FILE');
    expect(attempt({ PCBRIDGE_METRICS_TOKEN: 'short' }).message).toContain('PCBRIDGE_METRICS_TOKEN');
  });
});
