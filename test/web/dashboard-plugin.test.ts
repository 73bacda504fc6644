import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardRoutes } from '../../src/http/plugins/dashboard.js';
import { registerErrorHandler, registerNotFoundHandler } from '../../src/http/plugins/error-handler.js';
import { useTestApi } from '../helpers/api.js';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function bareApp(distDir: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerErrorHandler(app);
  registerNotFoundHandler(app);
  app.get('/api/v1/things', async () => ({ ok: true }));
  await app.register(dashboardRoutes, { distDir });
  return app;
}

describe('the dashboard plugin with a built dashboard', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dash</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await bareApp(dir);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at the root', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>dash</title>');
  });

  it('serves hashed assets with a long cache lifetime', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('console.log(1)');
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('answers a browser navigation to a dashboard page with index.html', async () => {
    const res = await app.inject({ method: 'GET', url: '/apps/app_1/events?status=failed', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('keeps the JSON 404 for unknown API paths, even from a browser', async () => {
    for (const url of ['/api/v1/nope', '/api', '/webhooks/purchasely', '/metrics/x', '/docs/y', '/healthz/z', '/readyz/z']) {
      const res = await app.inject({ method: 'GET', url, headers: HTML });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toEqual({ error: { code: 'not_found', message: `No route for GET ${url}` } });
    }
  });

  it('keeps the JSON 404 for requests that do not accept HTML', async () => {
    const res = await app.inject({ method: 'GET', url: '/apps/app_1', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('leaves other routes alone', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/things', headers: HTML });
    expect(res.json()).toEqual({ ok: true });
  });

  it('keeps the JSON 404 for other methods', async () => {
    const res = await app.inject({ method: 'POST', url: '/apps/app_1', headers: HTML, payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

describe('the dashboard plugin without a build', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-nodist-'));
    app = await bareApp(join(dir, 'dist'));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says at the root how to build the dashboard', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('npm run build:web');
  });

  it('says the same on a deep dashboard link and still 404s API paths in JSON', async () => {
    expect((await app.inject({ method: 'GET', url: '/apps/x/overview', headers: HTML })).body).toContain('npm run build:web');
    const api = await app.inject({ method: 'GET', url: '/api/v1/nope', headers: HTML });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });
});

describe('the dashboard inside the real app', () => {
  const api = useTestApi('sqlite');

  it('does not change the JSON 404 of unknown API routes', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/v1/unknown-thing', headers: HTML });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /api/v1/unknown-thing' } });
  });

  it('answers a dashboard page with HTML without asking for the admin token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/apps/some-app/integrations', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('still protects the API behind the dashboard', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/api/v1/apps', headers: HTML });
    expect(res.statusCode).toBe(401);
  });
});

describe('the dashboard plugin when the dashboard is rebuilt while the server runs', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-rebuild-'));
    app = await bareApp(join(dir, 'dist'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><title>rebuilt</title>');
    writeFileSync(join(dir, 'dist', 'assets', 'index-new.js'), 'console.log(2)');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the new index.html and the new assets without a restart', async () => {
    expect((await app.inject({ method: 'GET', url: '/', headers: HTML })).body).toContain('<title>rebuilt</title>');
    expect((await app.inject({ method: 'GET', url: '/apps/a/overview', headers: HTML })).body).toContain('<title>rebuilt</title>');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-new.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log(2)');
  });

  it('never serves a file outside the build folder', async () => {
    writeFileSync(join(dir, 'secret.txt'), 'nope');
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await app.inject({ method: 'GET', url, headers: { accept: '*/*' } });
      expect(res.body, url).not.toContain('nope');
    }
  });
});
