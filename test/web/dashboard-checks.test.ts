/**
 * The dashboard's "see before you send, check after" additions (issue 14 point 6), in real
 * Chromium against a real in-process server, its workers and the CleverTap emulator: the *Try a
 * payload* page (records while typing, CleverTap's verdict, a plain message on an auth failure
 * or the dry-run limit), the Identity page's profile comparison with *Re-send profile*, and the
 * Setup page's *Recent refused requests*. Every screen stays inside the Content-Security-Policy.
 */
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { startWorkers } from '../../src/runtime/workers.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { AUTH, createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';
import { CHROMIUM_PATH, ensureDashboardBuilt, launchChromium, type LaunchedBrowser } from './browser.js';

const browserAvailable = existsSync(CHROMIUM_PATH);
const mustRun = Boolean(process.env.PCBRIDGE_REQUIRE_BROWSER);
if (!browserAvailable && mustRun) throw new Error(`PCBRIDGE_REQUIRE_BROWSER is set but ${CHROMIUM_PATH} does not exist (apt-get install chromium).`);
if (!browserAvailable) console.warn(`Skipping the dashboard checks browser test: ${CHROMIUM_PATH} is missing (apt-get install chromium).`);

const WAIT = { timeout: 15_000 };
const SECRET = 'purchasely-secret-for-the-checks-test';
const ACCOUNT = { accountId: 'W9R-CHECKS-001', passcode: 'checks-passcode-4411' };
/** The emulator refuses events of this name (code 513), as CleverTap does for a discarded event. */
const DISCARDED = 'Discarded By CleverTap';

const fixture = (name: string) => JSON.parse(readFileSync(join(PURCHASELY_FIXTURE_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
const ACTIVATE = fixture('ACTIVATE');

interface CspViolation {
  violatedDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}

describe.skipIf(!browserAvailable)('the dashboard’s preview, profile comparison and refused requests, in Chromium', () => {
  let t: TestContext;
  let emulator: ClevertapEmulator;
  let workers: BackgroundWorker[] = [];
  let server: FastifyInstance;
  let browser: LaunchedBrowser;
  let page: Page;
  let base = '';
  let appId = '';
  const violations: string[] = [];
  /** Every POST …/preview the page makes, with its `validate` flag. */
  const previewCalls: { validate: boolean }[] = [];

  /** Signs `body` like Purchasely (with `timestamp`, default now) and posts it to the webhook. */
  async function postWebhook(body: string, opts: { secret?: string | null; timestamp?: number } = {}): Promise<number> {
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp };
    if (opts.secret !== null) headers['x-purchasely-request-signature'] = signPurchaselyRequest(opts.secret ?? SECRET, timestamp, body);
    const res = await server.inject({ method: 'POST', url: `/webhooks/purchasely/${appId}`, headers, payload: body });
    return res.statusCode;
  }

  async function waitForDelivered(eventId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    let last = '';
    while (Date.now() < deadline) {
      const res = await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${eventId}`, headers: AUTH });
      if (res.statusCode === 200) {
        last = (res.json() as { status: string }).status;
        if (last === 'delivered') return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`event ${eventId} was not delivered (last: ${last})`);
  }

  /** The text of every match of `selector`, in order. */
  const texts = (selector: string) => page.locator(selector).allTextContents();

  beforeAll(async () => {
    await ensureDashboardBuilt();
    emulator = await startClevertapEmulator({ accounts: [ACCOUNT], discardedEventNames: [DISCARDED] });
    t = await createTestContext('sqlite', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emulator.url } });
    server = await buildApp(t.ctx);
    workers = startWorkers(t.ctx);
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;

    const created = await server.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Checks App', webhookSecret: SECRET } });
    appId = (created.json() as { id: string }).id;
    const catalog = (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog`, headers: AUTH })).json() as { userProperties: { name: string }[] };
    const put = await server.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: AUTH,
      payload: {
        enabled: true,
        region: 'eu1',
        accountId: ACCOUNT.accountId,
        passcode: ACCOUNT.passcode,
        // The documented payloads are SANDBOX events.
        sandbox: 'same_account',
        events: {
          ACTIVATE: { enabled: true, name: 'Subscription Active' },
          SUBSCRIPTION_STARTED: { enabled: true },
          TRANSACTION_PROCESSED: { enabled: true, name: DISCARDED },
        },
        userProperties: Object.fromEntries(catalog.userProperties.map((p) => [p.name, { enabled: true }])),
      },
    });
    expect(put.statusCode, put.body).toBe(200);

    browser = await launchChromium();
    // Reported from every page the test opens (Playwright's binding lives outside the page's CSP).
    await browser.context.exposeFunction('__pcbridgeCsp', (violation: string) => violations.push(violation));
    await browser.context.addInitScript(() => {
      const w = globalThis as unknown as {
        __pcbridgeCsp: (v: string) => void;
        document: { addEventListener(type: string, listener: (e: CspViolation) => void): void };
      };
      w.document.addEventListener('securitypolicyviolation', (e) => {
        w.__pcbridgeCsp(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT.timeout);
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|execute|apply|evaluate|connect|frame)/i.test(message.text())) violations.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (err) => violations.push(`page error: ${err.message}`));
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/apps/${appId}/preview`)) {
        previewCalls.push({ validate: (JSON.parse(request.postData() ?? '{}') as { validate?: boolean }).validate === true });
      }
    });

    await page.goto(`${base}/login`);
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Apps' }).waitFor(WAIT);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await server?.close();
    await emulator?.close();
    await t?.close();
  });

  /** Waits until the preview shows the answer for the textarea's current text. */
  async function previewSettled(): Promise<void> {
    await page.locator('[data-testid=preview-summary]').waitFor(WAIT);
    await page.locator('[data-testid=preview-output]:not(.stale)[aria-busy=false]').waitFor(WAIT);
  }

  describe('Try a payload', () => {
    it('is a tab of the app; a documented example picked from the list shows its records with kind, account, identifier and body', async () => {
      await page.goto(`${base}/apps/${appId}/overview`);
      await page.click('[data-testid=nav-try]');
      await page.getByRole('heading', { name: 'Try a payload' }).waitFor(WAIT);
      await page.locator('[data-testid=preview-empty]').waitFor(WAIT);

      await page.getByLabel('Documented example').selectOption('ACTIVATE');
      // The example's text is the documented payload, verbatim.
      expect(JSON.parse(await page.getByLabel('Payload (JSON)').inputValue())).toEqual(ACTIVATE);
      await previewSettled();
      expect(await page.locator('[data-testid=preview-summary] h2').textContent()).toBe('ACTIVATE');
      expect(await page.locator('[data-testid=preview-outcome-text]').textContent()).toBe('2 records for CleverTap');
      expect(await texts('[data-testid=record-kind]')).toEqual(['event', 'profile']);
      expect(await texts('[data-testid=record-account]')).toEqual(['main', 'main']);
      expect(await texts('[data-testid=record-identifier]')).toEqual(['identity: toto', 'identity: toto']);
      const eventBody = JSON.parse((await page.locator('[data-testid=preview-record-0] [data-testid=record-body]').textContent()) ?? '') as Record<string, unknown>;
      expect(eventBody).toMatchObject({ identity: 'toto', type: 'event', evtName: 'Subscription Active' });
      const profileBody = JSON.parse((await page.locator('[data-testid=preview-record-1] [data-testid=record-body]').textContent()) ?? '') as {
        profileData: Record<string, unknown>;
      };
      expect(profileBody.profileData).toMatchObject({ subscription_status: 'AUTO_RENEWING' });
      // Nothing was asked of CleverTap.
      expect(previewCalls.every((c) => !c.validate)).toBe(true);
      expect(emulator.records()).toEqual([]);
    });

    it('shows a record of an anonymous user as held', async () => {
      await page.getByLabel('Documented example').selectOption('SUBSCRIPTION_STARTED');
      await page.locator('[data-testid=preview-summary] h2', { hasText: 'SUBSCRIPTION_STARTED' }).waitFor(WAIT);
      await previewSettled();
      const identifiers = await texts('[data-testid=record-identifier]');
      expect(identifiers.length).toBeGreaterThan(0);
      for (const text of identifiers) expect(text).toContain('held');
    });

    it('updates the records as the user types, asking the server only once typing pauses', async () => {
      const textarea = page.getByLabel('Payload (JSON)');
      await textarea.fill('');
      await page.locator('[data-testid=preview-empty]').waitFor(WAIT);

      // event_name last, so the payload is only whole with its last characters.
      const { event_name: _ignored, ...rest } = ACTIVATE;
      const typed = JSON.stringify({ ...rest, event_id: 'typed-1', event_name: 'RENEWAL_DISABLED' });
      const tail = '"event_name":"RENEWAL_DISABLED"}';
      expect(typed.endsWith(tail)).toBe(true);
      await textarea.fill(typed.slice(0, -tail.length));
      // Broken JSON: the field says why, and the preview says what the webhook would do.
      await page
        .locator('.field.has-error', { has: page.locator('#preview-payload') })
        .getByText('Not valid JSON yet')
        .waitFor(WAIT);
      await page.locator('[data-testid=preview-reason]', { hasText: 'invalid_json' }).waitFor(WAIT);
      await previewSettled();
      expect(await page.getByRole('button', { name: 'Validate with CleverTap' }).isDisabled()).toBe(true);

      // The rest typed key by key, as a person would.
      const before = previewCalls.length;
      await textarea.focus();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(tail, { delay: 30 });
      await page.locator('[data-testid=preview-summary] h2', { hasText: 'RENEWAL_DISABLED' }).waitFor(WAIT);
      await previewSettled();
      // RENEWAL_DISABLED is not enabled: no event record, but the user's profile still changes.
      expect(await page.locator('[data-testid=preview-outcome-text]').textContent()).toBe('1 record for CleverTap');
      expect(await texts('[data-testid=record-kind]')).toEqual(['profile']);
      expect(await page.locator('[data-testid=preview-reason]').count()).toBe(0);
      expect(await page.locator('.field.has-error', { has: page.locator('#preview-payload') }).count()).toBe(0);
      // One call once typing paused, not one per key.
      const calls = previewCalls.length - before;
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(2);
    });

    it('Validate with CleverTap shows CleverTap’s verdict per record, from the keyboard', async () => {
      await page.getByLabel('Documented example').selectOption('ACTIVATE');
      await previewSettled();
      // Keyboard only: from the payload field, Tab reaches the button and Enter presses it.
      await page.getByLabel('Payload (JSON)').focus();
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe(
        'Validate with CleverTap',
      );
      await page.keyboard.press('Enter');
      await page.locator('[data-testid=dry-run-summary]').waitFor(WAIT);
      expect(await page.locator('[data-testid=dry-run-summary] strong').textContent()).toBe('CleverTap would accept all 2 records.');
      expect(await texts('[data-testid=record-verdict] .badge')).toEqual(['accepted', 'accepted']);
      expect(previewCalls.at(-1)).toEqual({ validate: true });
      // A dry run: the emulator stored nothing.
      expect(emulator.records()).toEqual([]);
    });

    it('shows a record CleverTap would refuse with its code and message', async () => {
      await page.getByLabel('Documented example').selectOption('TRANSACTION_PROCESSED');
      await previewSettled();
      // The verdict belongs to the text it was given for: a new text shows none.
      expect(await page.locator('[data-testid=record-verdict]').count()).toBe(0);
      await page.getByRole('button', { name: 'Validate with CleverTap' }).click();
      await page.locator('[data-testid=dry-run-summary]').waitFor(WAIT);
      expect(await page.locator('[data-testid=dry-run-summary] strong').textContent()).toMatch(/^CleverTap would refuse 1 of \d+ records\.$/);
      const refused = page.locator('[data-testid=record-verdict].verdict-refused');
      expect(await refused.count()).toBe(1);
      expect(await refused.textContent()).toContain('code');
      expect(await page.locator('[data-testid=record-verdict].verdict-refused ~ [data-testid=record-body]').textContent()).toContain(DISCARDED);
    });

    it('says plainly when CleverTap refuses the account ID and passcode', async () => {
      await page.getByLabel('Documented example').selectOption('ACTIVATE');
      await previewSettled();
      emulator.setFaults({ all401: true });
      try {
        await page.getByRole('button', { name: 'Validate with CleverTap' }).click();
        await page.locator('[data-testid=dry-run-summary]', { hasText: 'refused the account ID and passcode' }).waitFor(WAIT);
      } finally {
        emulator.setFaults({ all401: false });
      }
      expect(await page.locator('[data-testid=dry-run-request]').first().textContent()).toContain(ACCOUNT.accountId);
      expect(await texts('[data-testid=record-verdict] .badge')).toEqual(['not checked', 'not checked']);
    });

    it('says plainly when the dry-run limit (10 a minute per app) is reached', async () => {
      // Use up the minute's dry runs through the API, then ask from the page.
      let status = 0;
      for (let i = 0; i < 12 && status !== 429; i += 1) {
        const res = await server.inject({ method: 'POST', url: `/api/v1/apps/${appId}/preview`, headers: AUTH, payload: { payload: ACTIVATE, validate: true } });
        status = res.statusCode;
      }
      expect(status).toBe(429);
      await page.getByRole('button', { name: 'Validate with CleverTap' }).click();
      const error = page.locator('[data-testid=validate-error]');
      await error.waitFor(WAIT);
      expect(await error.textContent()).toContain('Too many checks with CleverTap: at most 10 a minute per app');
      // The preview itself is not limited.
      await page.getByLabel('Documented example').selectOption('SUBSCRIPTION_STARTED');
      await page.locator('[data-testid=preview-summary] h2', { hasText: 'SUBSCRIPTION_STARTED' }).waitFor(WAIT);
    }, 60_000);
  });

  describe('Identity: what CleverTap holds', () => {
    it('says so when pcbridge holds no state for the user', async () => {
      await page.click('[data-testid=nav-identity]');
      await page.getByLabel('User').fill('nobody-here');
      await page.getByLabel('User').press('Enter');
      await page.locator('[data-testid=profile-missing]').waitFor(WAIT);
    });

    it('shows CleverTap’s profile beside the snapshot and the last delivered one, highlighting what differs; Re-send profile makes them equal', async () => {
      expect(await postWebhook(JSON.stringify({ ...ACTIVATE, event_id: 'identity-activate' }))).toBe(200);
      await waitForDelivered('identity-activate');
      // Behind pcbridge's back: CleverTap's profile changes.
      const res = await fetch(`${emulator.url}/1/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-clevertap-account-id': ACCOUNT.accountId, 'x-clevertap-passcode': ACCOUNT.passcode },
        body: JSON.stringify({
          d: [{ type: 'profile', identity: 'toto', ts: Math.floor(Date.now() / 1000), profileData: { subscription_status: 'EXPIRED', 'Favourite Colour': 'green' } }],
        }),
      });
      expect(res.status).toBe(200);

      await page.getByLabel('User').fill('toto');
      await page.getByRole('button', { name: 'Look up' }).click();
      const table = page.locator('[data-testid=profile-table]');
      await table.waitFor(WAIT);
      await page.locator('[data-testid=profile-differs]', { hasText: '1 difference' }).waitFor(WAIT);
      expect(await page.locator('[data-testid=profile-identifier]').textContent()).toBe('identity: toto');
      expect(await page.locator('[data-testid=profile-lookup]').textContent()).toContain('found');
      const row = page.locator('[data-testid=profile-row-subscription_status]');
      expect(await row.getAttribute('data-differs')).toBe('true');
      expect(await row.locator('[data-testid=snapshot-value]').textContent()).toBe('AUTO_RENEWING');
      expect(await row.locator('[data-testid=clevertap-value]').textContent()).toBe('EXPIRED');
      expect(await row.locator('[data-testid=differs]').textContent()).toBe('differs');
      expect(await page.locator('[data-testid=profile-table] tr[data-differs=true]').count()).toBe(1);
      expect(await page.locator('[data-testid=profile-table] tr[data-differs=false]').count()).toBeGreaterThan(0);
      // Columns: property, snapshot, CleverTap, last delivered.
      expect(await texts('[data-testid=profile-table] thead th')).toEqual(['Property', 'pcbridge snapshot', 'CleverTap', 'Last delivered']);
      expect(await row.locator('td').nth(2).textContent()).toBe('AUTO_RENEWING');
      // A property pcbridge does not manage is listed apart, never as a difference.
      expect(await page.locator('[data-testid=profile-comparison] details summary').textContent()).toContain('not managed by pcbridge');
      expect(await page.locator('[data-testid="profile-row-Favourite Colour"]').count()).toBe(0);

      await page.getByRole('button', { name: 'Re-send profile' }).click();
      await page.locator('[data-testid=resend-notice]', { hasText: 'queued' }).waitFor(WAIT);
      // The page follows the record until it is delivered, then CleverTap's profile is equal again.
      await page.locator('[data-testid=profile-equal]').waitFor({ timeout: 30_000 });
      expect(await page.locator('[data-testid=profile-table] tr[data-differs=true]').count()).toBe(0);
      expect(emulator.profile(ACCOUNT.accountId, { identity: 'toto' })?.profileData).toMatchObject({ subscription_status: 'AUTO_RENEWING' });
    }, 60_000);
  });

  describe('Setup: recent refused requests', () => {
    const rejectionsRoute = `**/api/v1/apps/*/rejections*`;

    it('shows “no refused requests recorded” when the bridge answers 404 for the list', async () => {
      await page.route(rejectionsRoute, (route: Route) =>
        route.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'not_found', message: 'Route not found.' } }) }),
      );
      try {
        await page.goto(`${base}/apps/${appId}/webhook`);
        await page.locator('[data-testid=no-refused-requests]').waitFor(WAIT);
        expect(await page.locator('[data-testid=refused-requests] [role=alert]').count()).toBe(0);
      } finally {
        await page.unroute(rejectionsRoute);
      }
    });

    it('explains the newest refusal in plain words and counts each reason (the documented answer)', async () => {
      const now = Date.now();
      const answer = {
        items: [
          { at: new Date(now - 5_000).toISOString(), source: '203.0.113.7', reason: 'timestamp_out_of_window', skewSeconds: -420, size: 1234, appId },
          { at: new Date(now - 60_000).toISOString(), source: '203.0.113.7', reason: 'bad_signature', skewSeconds: null, size: 1200, appId },
          { at: new Date(now - 120_000).toISOString(), source: '198.51.100.2', reason: 'missing_signature', skewSeconds: null, size: 900, appId },
          { at: new Date(now - 180_000).toISOString(), source: '198.51.100.2', reason: 'legacy_scheme_not_allowed', skewSeconds: null, size: 900, appId },
          { at: new Date(now - 240_000).toISOString(), source: '198.51.100.9', reason: 'payload_too_large', skewSeconds: null, size: 300_000, appId },
        ],
        summary: { timestamp_out_of_window: 1, bad_signature: 3, missing_signature: 1, legacy_scheme_not_allowed: 1, payload_too_large: 1 },
      };
      let asked = '';
      await page.route(rejectionsRoute, (route: Route) => {
        asked = route.request().url();
        return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) });
      });
      try {
        await page.goto(`${base}/apps/${appId}/webhook`);
        const newest = page.locator('[data-testid=refused-newest]');
        await newest.waitFor(WAIT);
        expect(new URL(asked).searchParams.get('limit')).toBe('20');
        expect(await newest.textContent()).toContain('from 203.0.113.7');
        expect(await page.locator('[data-testid=refused-cause]').textContent()).toContain(
          "Timestamps 420 s behind this server's clock (the window is 300 s): check this server's clock",
        );
        expect(await page.locator('[data-testid=refused-count-bad_signature]').textContent()).toBe('wrong signature × 3');
        const causes = await texts('[data-testid=refused-row] td:nth-child(3)');
        expect(causes).toHaveLength(5);
        expect(causes[1]).toContain("the secret in Purchasely's console differs from the one set here");
        expect(causes[2]).toContain('no Purchasely signature');
        expect(causes[3]).toContain('older signature scheme');
        expect(causes[4]).toContain('over the 256 KiB limit');
        // More rows on request, from the keyboard.
        await page.getByLabel('Show').selectOption('50');
        await expect.poll(() => new URL(asked).searchParams.get('limit')).toBe('50');
      } finally {
        await page.unroute(rejectionsRoute);
      }
    });

    it('lists refusals of real webhook requests, newest first, with the likely cause', async () => {
      const body = JSON.stringify({ ...ACTIVATE, event_id: 'refused-1' });
      expect(await postWebhook('x'.repeat(256 * 1024 + 1))).toBe(413);
      expect(await postWebhook(body, { secret: null })).toBe(401);
      expect(await postWebhook(body, { secret: 'not-the-secret' })).toBe(401);
      // Signed with the right secret, 420 s in the past: this server's clock looks 7 minutes ahead.
      expect(await postWebhook(body, { timestamp: Math.floor(Date.now() / 1000) - 420 })).toBe(401);

      // Refusals are written in the background (about once a second): wait until all four are listed.
      const deadline = Date.now() + 10_000;
      let listed = 0;
      while (Date.now() < deadline && listed < 4) {
        const res = await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/rejections?limit=20`, headers: AUTH });
        expect(res.statusCode, res.body).toBe(200);
        listed = (res.json() as { items: unknown[] }).items.length;
        if (listed < 4) await new Promise((r) => setTimeout(r, 100));
      }
      expect(listed).toBe(4);

      await page.goto(`${base}/apps/${appId}/webhook`);
      const newest = page.locator('[data-testid=refused-newest]');
      await newest.waitFor(WAIT);
      expect(await newest.textContent()).toContain('timestamp out of window');
      expect(await page.locator('[data-testid=refused-cause]').textContent()).toMatch(
        /Timestamps 4[12]\d s behind this server's clock \(the window is 300 s\): check this server's clock/,
      );
      expect(await page.locator('[data-testid=refused-row] td:nth-child(2)').allTextContents()).toEqual([
        'timestamp_out_of_window',
        'bad_signature',
        'missing_signature',
        'payload_too_large',
      ]);
      const causes = await texts('[data-testid=refused-row] td:nth-child(3)');
      expect(causes[1]).toContain("the secret in Purchasely's console differs from the one set here");
      for (const reason of ['timestamp_out_of_window', 'bad_signature', 'missing_signature', 'payload_too_large']) {
        expect(await page.locator(`[data-testid=refused-count-${reason}]`).textContent()).toMatch(/× 1$/);
      }
    });
  });

  it('saw no Content-Security-Policy violation on any of these screens', () => {
    expect(violations).toEqual([]);
  });
});
