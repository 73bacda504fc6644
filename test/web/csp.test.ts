/**
 * The dashboard works under its Content-Security-Policy: in real Chromium, every screen (login,
 * apps, integrations and the CleverTap editor's three tabs, events and an event's detail,
 * overview charts, identity, webhook setup) and the /docs page load with the policy in force
 * and without a single violation (console or `securitypolicyviolation` event).
 */
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';
import { createTestApp } from '../processing/helpers.js';
import { CHROMIUM_PATH, ensureDashboardBuilt, launchChromium, type LaunchedBrowser } from './browser.js';

const browserAvailable = existsSync(CHROMIUM_PATH);
const mustRun = Boolean(process.env.PCBRIDGE_REQUIRE_BROWSER);
if (!browserAvailable && mustRun) throw new Error(`PCBRIDGE_REQUIRE_BROWSER is set but ${CHROMIUM_PATH} does not exist (apt-get install chromium).`);

const WAIT = { timeout: 15_000 };

/** The fields of a browser's SecurityPolicyViolationEvent this test reports. */
interface CspViolation {
  violatedDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}
const FIXTURE = JSON.parse(readFileSync(join(PURCHASELY_FIXTURE_DIR, 'SUBSCRIPTION_STARTED.json'), 'utf8')) as Record<string, unknown>;

describe.skipIf(!browserAvailable)('the dashboard under its Content-Security-Policy, in Chromium', () => {
  let t: TestContext;
  let server: FastifyInstance;
  let browser: LaunchedBrowser;
  let page: Page;
  let base = '';
  let appId = '';
  const violations: string[] = [];

  /** Goes to `path` and checks the document came with the policy. */
  async function open(path: string): Promise<void> {
    const res = await page.goto(`${base}${path}`);
    const csp = (await res?.allHeaders())?.['content-security-policy'] ?? '';
    expect(csp, path).toContain("script-src 'self'");
    expect(csp, path).toContain("frame-ancestors 'none'");
  }

  /** Violations seen by the page's own listener since it loaded, plus console reports. */
  async function collect(where: string): Promise<void> {
    const seen = await page.evaluate(() => (globalThis as unknown as { __csp?: string[] }).__csp ?? []);
    violations.push(...seen.map((v) => `${where}: ${v}`));
  }

  beforeAll(async () => {
    await ensureDashboardBuilt();
    t = await createTestContext('sqlite', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' } });
    server = await buildApp(t.ctx);
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    ({ appId } = await createTestApp(t.ctx));
    for (let i = 0; i < 3; i += 1) {
      const body = JSON.stringify({ ...FIXTURE, event_id: `csp-${i}`, event_created_at_ms: Date.now() - i * 60_000 });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await server.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest('foobar', timestamp, body) },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
    }
    browser = await launchChromium();
    // Runs in the page before its own scripts (Playwright injects it outside the page's CSP).
    await browser.context.addInitScript(() => {
      const w = globalThis as unknown as { __csp: string[]; document: { addEventListener(type: string, listener: (e: CspViolation) => void): void } };
      w.__csp = [];
      w.document.addEventListener('securitypolicyviolation', (e) => {
        w.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT.timeout);
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to (load|execute|apply|evaluate|connect|frame)/i.test(text)) violations.push(`console: ${text}`);
    });
    page.on('pageerror', (err) => violations.push(`page error: ${err.message}`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('the login page, and logging in', async () => {
    await open('/login');
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Apps' }).waitFor(WAIT);
    await collect('login');
  });

  it('the apps page', async () => {
    await open('/');
    await page.locator('[data-testid=apps-table]').waitFor(WAIT);
    await collect('apps');
  });

  it("an app's integrations and the CleverTap editor, all three tabs", async () => {
    await open(`/apps/${appId}/integrations`);
    await page.locator('[data-testid=clevertap-status]').waitFor(WAIT);
    await collect('integrations');
    await open(`/apps/${appId}/integrations/clevertap`);
    await page.getByRole('tab', { name: 'Account parameters' }).waitFor(WAIT);
    await page.getByRole('tab', { name: 'Server events' }).click();
    await page.locator('[data-testid=row-SUBSCRIPTION_STARTED]').waitFor(WAIT);
    await page.getByRole('tab', { name: 'User properties' }).click();
    await page.locator('[data-testid=row-subscription_status]').waitFor(WAIT);
    await collect('clevertap editor');
  });

  it('the events log and an event in detail', async () => {
    await open(`/apps/${appId}/events`);
    await page.locator('[data-testid="event-row-csp-0"]').waitFor(WAIT);
    await collect('events');
    await open(`/apps/${appId}/events/csp-0`);
    await page.getByText('csp-0').first().waitFor(WAIT);
    await collect('event detail');
  });

  it('the overview with its charts (and a tooltip)', async () => {
    await open(`/apps/${appId}/overview`);
    const chart = page.locator('.recharts-surface').first();
    await chart.waitFor(WAIT);
    const box = await chart.boundingBox();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(300);
    await collect('overview');
  });

  it('identity and webhook setup', async () => {
    await open(`/apps/${appId}/identity`);
    await page.locator('main').waitFor(WAIT);
    await collect('identity');
    await open(`/apps/${appId}/webhook`);
    await page.locator('[data-testid=webhook-url]').waitFor(WAIT);
    await collect('webhook');
  });

  it('the /docs API page', async () => {
    await open('/docs');
    await page.waitForLoadState('load');
    await collect('docs');
  });

  it('saw no violation anywhere', () => {
    expect(violations).toEqual([]);
  });
});
