/**
 * `/docs` is an interactive API page (Swagger UI) for a logged-in browser, rendered under the
 * bridge's Content-Security-Policy without a single violation or console error; the OpenAPI
 * document is at `/docs/json`; both need the admin token or a session, and a script that asks
 * `/docs` for anything but HTML still gets the JSON document.
 */
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { CHROMIUM_PATH, ensureDashboardBuilt, launchChromium, type LaunchedBrowser } from '../web/browser.js';

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const WAIT = { timeout: 15_000 };

describe('the /docs routes', () => {
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

  it('serve the OpenAPI document at /docs/json with the admin token', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
    expect(Object.keys(res.json().paths)).toContain('/api/v1/apps/{appId}/integrations/clevertap');
  });

  it('serve the interactive page to a browser at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs', headers: { ...AUTH, ...HTML } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<div id="swagger-ui">');
    expect(res.headers['content-security-policy']).toContain("script-src 'self';");
  });

  it('still answer the JSON document at /docs to a client that does not ask for HTML', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
  });

  it('refuse every one of them without a credential', async () => {
    for (const url of ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/swagger-initializer.js', '/docs/static/swagger-ui-bundle.js']) {
      for (const headers of [{}, HTML]) {
        const res = await app.inject({ method: 'GET', url, headers });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().error.code, url).toBe('unauthorized');
      }
    }
  });
});

const browserAvailable = existsSync(CHROMIUM_PATH);
if (!browserAvailable && process.env.PCBRIDGE_REQUIRE_BROWSER) throw new Error(`PCBRIDGE_REQUIRE_BROWSER is set but ${CHROMIUM_PATH} does not exist (apt-get install chromium).`);

describe.skipIf(!browserAvailable)('the /docs page in Chromium, after logging in to the dashboard', () => {
  let t: TestContext;
  let server: FastifyInstance;
  let browser: LaunchedBrowser;
  let page: Page;
  let base = '';
  const problems: string[] = [];

  beforeAll(async () => {
    await ensureDashboardBuilt();
    t = await createTestContext('sqlite');
    server = await buildApp(t.ctx);
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    await browser.context.addInitScript(() => {
      const w = globalThis as unknown as {
        __csp: string[];
        document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number }) => void): void };
      };
      w.__csp = [];
      w.document.addEventListener('securitypolicyviolation', (e) => {
        w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT.timeout);
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('renders the operations of the API, with no CSP violation and no console error', async () => {
    await page.goto(`${base}/login`);
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Apps' }).waitFor(WAIT);

    problems.length = 0; // only what the /docs page itself reports
    const res = await page.goto(`${base}/docs`);
    expect(res?.status()).toBe(200);
    expect((await res?.allHeaders())?.['content-security-policy']).toContain("script-src 'self';");
    // Swagger UI fetched /docs/json with the session cookie and rendered the operations.
    await page.locator('.swagger-ui .info .title').waitFor(WAIT);
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('pcbridge');
    await page.locator('.opblock-summary-path[data-path="/api/v1/apps"]').first().waitFor(WAIT);
    // Open one operation: its parameters and responses render too.
    await page.locator('.opblock-summary-path[data-path="/api/v1/apps/{appId}/integrations/clevertap"]').first().click();
    await page.locator('.opblock.is-open .responses-wrapper').first().waitFor(WAIT);
    await page.waitForTimeout(300);
    const violations = await page.evaluate(() => (globalThis as unknown as { __csp?: string[] }).__csp ?? []);
    expect([...violations, ...problems]).toEqual([]);
  });
});
