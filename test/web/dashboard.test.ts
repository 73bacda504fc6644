/**
 * The dashboard in real Chromium (Debian's, through playwright-core) against a real in-process
 * server on a fresh SQLite store: the path an operator takes on the first day.
 */
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { startWorkers } from '../../src/runtime/workers.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { FIXTURE_DIR } from '../mapping/fixture-events.js';
import { AUTH, createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { CHROMIUM_PATH, ensureDashboardBuilt, launchChromium, type LaunchedBrowser } from './browser.js';

const browserAvailable = existsSync(CHROMIUM_PATH);
const mustRun = Boolean(process.env.PCBRIDGE_REQUIRE_BROWSER);
if (!browserAvailable && mustRun) throw new Error(`PCBRIDGE_REQUIRE_BROWSER is set but ${CHROMIUM_PATH} does not exist (apt-get install chromium).`);
if (!browserAvailable) console.warn(`Skipping the dashboard browser test: ${CHROMIUM_PATH} is missing (apt-get install chromium).`);

const WAIT = { timeout: 15_000 };
const WEBHOOK_SECRET = 'purchasely-shared-secret-for-the-dashboard-test';
const PASSCODE = 'CT-PASSCODE-never-shown-7731';
const ACCOUNT_ID = 'W9R-TEST-123';
const EVENT_ID = `dash-${Date.now()}`;
const CLEVERTAP_ID = 'ct-dashboard-0001';
const FIXTURE = JSON.parse(readFileSync(join(FIXTURE_DIR, 'SUBSCRIPTION_STARTED.json'), 'utf8')) as Record<string, unknown>;
const ANONYMOUS_USER = FIXTURE.anonymous_user_id as string;

describe.skipIf(!browserAvailable)('the dashboard in Chromium', () => {
  let t: TestContext;
  let emulator: ClevertapEmulator;
  let workers: BackgroundWorker[] = [];
  let server: FastifyInstance;
  let browser: LaunchedBrowser;
  let page: Page;
  let base: string;
  let appId = '';
  /** The app's current Purchasely secret (the webhook setup test replaces it). */
  let webhookSecret = WEBHOOK_SECRET;

  /** Polls the API until the test event has `status` (and, with `generations`, that many delivered generations). */
  async function waitForEventStatus(status: string, generations = 1, eventId = EVENT_ID): Promise<void> {
    const deadline = Date.now() + 20_000;
    let last = '';
    while (Date.now() < deadline) {
      const res = await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${eventId}`, headers: AUTH });
      if (res.statusCode === 200) {
        const event = res.json() as { status: string; records: { generation: number }[] };
        last = event.status;
        const seen = new Set(event.records.map((r) => r.generation)).size;
        if (event.status === status && seen >= generations) return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`event ${eventId} did not reach ${status} (last: ${last})`);
  }

  /** Signs the documented SUBSCRIPTION_STARTED fixture like Purchasely and posts it to the webhook. */
  async function postFixture(eventId: string, extra: Record<string, unknown> = {}): Promise<void> {
    const body = JSON.stringify({ ...FIXTURE, ...extra, event_id: eventId });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await server.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${appId}`,
      headers: {
        'content-type': 'application/json',
        'x-purchasely-timestamp': timestamp,
        'x-purchasely-request-signature': signPurchaselyRequest(webhookSecret, timestamp, body),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
  }
  let sdkKey = '';

  beforeAll(async () => {
    await ensureDashboardBuilt();
    emulator = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext('sqlite', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emulator.url } });
    server = await buildApp(t.ctx);
    // Processing and delivery run as in `pcbridge serve`, so records reach the emulator.
    workers = startWorkers(t.ctx);
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT.timeout);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(workers.map((w) => w.stop()));
    await server?.close();
    await emulator?.close();
    await t?.close();
  });

  it('sends a visitor without a session to the login page and refuses a wrong token', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/login`, WAIT);
    await page.fill('#token', 'not-the-token');
    await page.click('button[type=submit]');
    await page.getByText('That is not the admin token.').waitFor(WAIT);
  });

  it('logs in with the admin token and shows the apps', async () => {
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Apps' }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('creates an app and shows its SDK key exactly once', async () => {
    await page.fill('#app-name', 'Demo App');
    await page.fill('#app-secret', WEBHOOK_SECRET);
    await page.click('[data-testid=create-app-form] button[type=submit]');
    const secret = page.locator('[data-testid=secret-value]');
    await secret.waitFor(WAIT);
    sdkKey = (await secret.textContent()) ?? '';
    expect(sdkKey.length).toBeGreaterThanOrEqual(20);
    await page.locator('[data-testid=apps-table]').getByText('Demo App').waitFor(WAIT);

    const apps = (await (await server.inject({ method: 'GET', url: '/api/v1/apps', headers: AUTH })).json()) as { items: { id: string; name: string }[] };
    expect(apps.items.map((a) => a.name)).toEqual(['Demo App']);
    appId = apps.items[0]!.id;

    await page.getByRole('button', { name: 'I saved it' }).click();
    await secret.waitFor({ state: 'detached', ...WAIT });
    await page.reload();
    await page.locator('[data-testid=apps-table]').getByText('Demo App').waitFor(WAIT);
    const html = await page.content();
    expect(html).not.toContain(sdkKey);
    expect(html).not.toContain(WEBHOOK_SECRET);
  });

  it('opens the CleverTap tile, showing the integration disabled', async () => {
    await page.click('[data-testid="app-link-Demo App"]');
    await page.click('[data-testid=nav-integrations]');
    const badge = page.locator('[data-testid=clevertap-status]');
    await badge.waitFor(WAIT);
    await page.locator('[data-testid=clevertap-status]', { hasText: 'disabled' }).waitFor(WAIT);
    await page.click('[data-testid=clevertap-edit]');
    await page.getByRole('tab', { name: 'Account parameters' }).waitFor(WAIT);
  });

  it("shows the server's 422 next to the field it concerns", async () => {
    // Enabling without an account ID is refused by the server, not by the form.
    await page.locator('[data-testid=integration-enabled]').check();
    await page.click('[data-testid=save-integration]');
    await page
      .locator('.field.has-error', { has: page.locator('#ct-account') })
      .locator('.field-error')
      .waitFor(WAIT);
    await page.locator('[data-testid=save-error]').waitFor(WAIT);
  });

  it('checks a renamed event while typing and saves once it is fixed', async () => {
    await page.selectOption('#ct-region', 'us1');
    await page.fill('#ct-account', ACCOUNT_ID);
    await page.fill('#ct-passcode', PASSCODE);
    // The fixture is a SANDBOX event: send those to the same account.
    await page.check('input[name=sandbox][value=same_account]');
    await page.click('[data-testid=test-connection]');
    await page.locator('[data-testid=test-result]', { hasText: '✓' }).waitFor(WAIT);

    await page.getByRole('tab', { name: 'Server events' }).click();
    await page.locator('[data-testid=row-SUBSCRIPTION_STARTED]').waitFor(WAIT);
    // Every catalogue event is listed, grouped by category.
    await page.getByRole('heading', { name: 'Subscription lifecycle' }).waitFor(WAIT);
    expect(await page.locator('[data-testid^=row-]').count()).toBe(45);
    // Purchasely's newest events can be chosen: retention messaging and 12-month commitments.
    for (const name of ['RETENTION_MESSAGE_REQUESTED', 'INSTALLMENT_PAID', 'INSTALLMENT_REFUNDED']) {
      expect(await page.locator(`[data-testid=toggle-${name}]`).count()).toBe(1);
    }

    await page.locator('[data-testid=toggle-SUBSCRIPTION_STARTED]').check();
    await page.fill('[data-testid=rename-SUBSCRIPTION_STARTED]', 'Subscription.Started');
    const error = page.locator('[data-testid=error-SUBSCRIPTION_STARTED]');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toContain('"."');
    expect(await page.locator('[data-testid=save-integration]').isDisabled()).toBe(true);

    await page.fill('[data-testid=rename-SUBSCRIPTION_STARTED]', 'Subscription Started');
    await error.waitFor({ state: 'detached', ...WAIT });

    await page.getByRole('tab', { name: 'User properties' }).click();
    // Purchasely's expired-subscription group is there; pcbridge's own extras say so.
    await page.locator('[data-testid=row-expired_subscription_status]').waitFor(WAIT);
    expect(await page.locator('[data-testid=badge-has_lifetime_access]').textContent()).toBe('pcbridge extra');
    expect(await page.locator('[data-testid=badge-subscription_status]').count()).toBe(0);
    await page.locator('[data-testid=toggle-subscription_status]').check();
    await page.fill('[data-testid=rename-subscription_status]', 'Email');
    await page.locator('[data-testid=error-subscription_status]').getByText('standard profile field').waitFor(WAIT);
    await page.fill('[data-testid=rename-subscription_status]', 'Subscription Status');
    await page.locator('[data-testid=error-subscription_status]').waitFor({ state: 'detached', ...WAIT });

    await page.click('[data-testid=save-integration]');
    await page.locator('[data-testid=saved]').waitFor(WAIT);

    const saved = (await (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/integrations/clevertap`, headers: AUTH })).json()) as {
      enabled: boolean;
      region: string;
      accountId: string;
      passcodeSet: boolean;
      sandbox: string;
      events: Record<string, unknown>;
      userProperties: Record<string, unknown>;
    };
    expect(saved.enabled).toBe(true);
    expect(saved.region).toBe('us1');
    expect(saved.accountId).toBe(ACCOUNT_ID);
    expect(saved.passcodeSet).toBe(true);
    expect(saved.sandbox).toBe('same_account');
    expect(saved.events.SUBSCRIPTION_STARTED).toEqual({ enabled: true, name: 'Subscription Started' });
    expect(saved.userProperties.subscription_status).toEqual({ enabled: true, name: 'Subscription Status' });
  });

  it('shows after a reload that a passcode is set, never the passcode itself', async () => {
    await page.reload();
    const passcode = page.locator('#ct-passcode');
    await passcode.waitFor(WAIT);
    expect(await passcode.getAttribute('placeholder')).toBe('•••• set');
    expect(await passcode.inputValue()).toBe('');
    expect(await page.locator('#ct-account').inputValue()).toBe(ACCOUNT_ID);
    expect(await page.locator('#ct-region').inputValue()).toBe('us1');
    expect(await page.content()).not.toContain(PASSCODE);

    await page.click('[data-testid=nav-integrations]');
    await page.locator('[data-testid=clevertap-status]', { hasText: 'enabled' }).waitFor(WAIT);
  });

  it('lists a received webhook event in the Events log and opens its detail', async () => {
    await postFixture(EVENT_ID);

    await page.click('[data-testid=nav-events]');
    const row = page.locator(`[data-testid="event-row-${EVENT_ID}"]`);
    await row.waitFor(WAIT);
    expect(await row.textContent()).toContain('SUBSCRIPTION_STARTED');

    await row.getByRole('link', { name: 'SUBSCRIPTION_STARTED' }).click();
    const payload = page.locator('[data-testid=event-payload]');
    await payload.waitFor(WAIT);
    expect(await payload.textContent()).toContain(`"event_id": "${EVENT_ID}"`);
    await page.getByRole('heading', { name: '2. CleverTap records' }).waitFor(WAIT);
    await page.getByRole('heading', { name: '3. Attempts' }).waitFor(WAIT);
  });

  it("shows an anonymous user's held records on the Identity page and releases them with a CleverTap ID", async () => {
    // The fixture has only an anonymous_user_id: without a CleverTap ID its records wait.
    await waitForEventStatus('held');
    await page.click('[data-testid=nav-identity]');
    await page.fill('#user-key', ANONYMOUS_USER);
    await page.getByRole('button', { name: 'Look up' }).click();
    const held = page.locator('[data-testid=held-records]');
    await held.waitFor(WAIT);
    expect(await held.textContent()).toContain(EVENT_ID);

    await page.fill('#ct-id', CLEVERTAP_ID);
    await page.getByRole('button', { name: 'Save CleverTap ID' }).click();
    await page.locator('[data-testid=current-clevertap-id]', { hasText: CLEVERTAP_ID }).waitFor(WAIT);
    await page.locator('[data-testid=no-held-records]').waitFor(WAIT);

    await waitForEventStatus('delivered');
    const sent = emulator.records().filter((r) => JSON.stringify(r.record).includes(EVENT_ID));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => (r.record as { objectId?: string }).objectId === CLEVERTAP_ID)).toBe(true);
  });

  it('shows the delivered event with its attempts and replays it after a confirmation', async () => {
    await page.goto(`${base}/apps/${appId}/events/${EVENT_ID}`);
    await page.locator('[data-testid=event-status]', { hasText: 'delivered' }).waitFor(WAIT);
    await page
      .locator('details.record', { hasText: 'Subscription Started' })
      .first()
      .waitFor({ state: 'attached', ...WAIT });
    await page
      .locator('table', { hasText: 'success' })
      .or(page.locator('table', { hasText: '200' }))
      .first()
      .waitFor(WAIT);

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.click('[data-testid=retry]');
    await page.getByText('Queued again').waitFor(WAIT);
    expect(asked).toContain('again');
    await waitForEventStatus('delivered', 2);
  });

  it('replays every failed event matching the filters from the Events page, after a confirmation', async () => {
    // As after a permanent refusal by CleverTap: the event and its latest records failed.
    await t.ctx.store.db.run(`UPDATE events SET status = 'failed' WHERE app_id = ? AND event_id = ?`, [appId, EVENT_ID]);
    await page.goto(`${base}/apps/${appId}/events?status=failed&userKey=someone`);
    await page.locator('text=No events match.').waitFor(WAIT);
    expect(await page.locator('[data-testid=replay-all]').count()).toBe(0);

    await page.goto(`${base}/apps/${appId}/events?status=failed`);
    await page.locator(`[data-testid=event-row-${EVENT_ID}]`).waitFor(WAIT);
    await page.click('[data-testid=replay-all]');
    await page.locator('[data-testid=replay-count]', { hasText: '1' }).waitFor(WAIT);
    expect(await page.locator('[data-testid=replay-confirm]').textContent()).toContain('failed event matching these filters');
    await page.click('[data-testid=replay-confirm-yes]');
    await page.locator('[data-testid=replay-all-done]', { hasText: 'Requeued 1 event.' }).waitFor(WAIT);
    await waitForEventStatus('delivered', 3);
  });

  it("shows the webhook URL, replaces Purchasely's secret (retiring the old one) and rotates the SDK key, showing the new key once", async () => {
    await page.click('[data-testid=nav-webhook]');
    const url = page.locator('[data-testid=webhook-url]');
    await url.waitFor(WAIT);
    await page.locator('[data-testid=webhook-url]', { hasText: '/webhooks/' }).waitFor(WAIT);
    expect(await url.textContent()).toBe(`${base}/webhooks/purchasely/${appId}`);

    // Rotation of Purchasely's secret: the previous one stays valid until retired.
    await page.fill('#new-secret', `${WEBHOOK_SECRET}-2`);
    await page.getByRole('button', { name: 'Set new secret' }).click();
    await page.locator('[data-testid=retire-previous]').waitFor(WAIT);
    await page.click('[data-testid=retire-previous]');
    await page.getByText('Previous secret retired.').waitFor(WAIT);
    webhookSecret = `${WEBHOOK_SECRET}-2`;
    await page.locator('[data-testid=retire-previous]').waitFor({ state: 'detached', ...WAIT });
    expect(await page.content()).not.toContain(`${WEBHOOK_SECRET}-2`);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('[data-testid=rotate-sdk-key]');
    const secret = page.locator('[data-testid=secret-value]');
    await secret.waitFor(WAIT);
    const rotated = (await secret.textContent()) ?? '';
    expect(rotated.length).toBeGreaterThanOrEqual(20);
    expect(rotated).not.toBe(sdkKey);
    await page.reload();
    await url.waitFor(WAIT);
    expect(await page.content()).not.toContain(rotated);
  });

  it('renames an app, changes its signature window, and deletes it after a confirmation', async () => {
    const created = await server.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Scratch', webhookSecret: 'scratch-secret' } });
    const scratchId = (created.json() as { id: string }).id;
    await page.goto(`${base}/apps/${scratchId}/webhook`);
    await page.locator('#app-settings-name').waitFor(WAIT);
    await page.locator('#app-settings-name[value="Scratch"]').waitFor(WAIT);
    await page.fill('#app-settings-name', 'Scratch renamed');
    await page.fill('#app-settings-tolerance', '600');
    await page.click('[data-testid=app-settings] button[type=submit]');
    await page.locator('[data-testid=app-settings]', { hasText: 'Saved.' }).waitFor(WAIT);
    const after = (await server.inject({ method: 'GET', url: `/api/v1/apps/${scratchId}`, headers: AUTH })).json() as { name: string; signatureToleranceSeconds: number };
    expect(after).toMatchObject({ name: 'Scratch renamed', signatureToleranceSeconds: 600 });

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.click('[data-testid=delete-app]');
    await page.locator('[data-testid=apps-table]').waitFor(WAIT);
    expect(asked).toContain('Scratch renamed');
    expect((await server.inject({ method: 'GET', url: `/api/v1/apps/${scratchId}`, headers: AUTH })).statusCode).toBe(404);
    await page.locator('[data-testid=apps-table]', { hasText: 'Demo App' }).waitFor(WAIT);
    expect(await page.locator('[data-testid=apps-table]').textContent()).not.toContain('Scratch renamed');
    await page.goto(`${base}/apps/${appId}/webhook`);
    await page.locator('[data-testid=webhook-url]').waitFor(WAIT);
  });

  it('draws the Overview charts from the stats', async () => {
    await page.click('[data-testid=nav-overview]');
    await page.locator('.recharts-surface').first().waitFor(WAIT);
    await page.locator('.counter-received .counter-value', { hasText: '1' }).waitFor(WAIT);
    await page.locator('[data-testid=accounts-table]', { hasText: `us1:${ACCOUNT_ID}` }).waitFor(WAIT);
  });

  it('flags the CleverTap tile auth_failed when CleverTap refuses the passcode, and resumes sending', async () => {
    emulator.setFaults({ all401: true });
    await postFixture(`${EVENT_ID}-2`);
    const deadline = Date.now() + 20_000;
    let state = '';
    while (Date.now() < deadline && state !== 'auth_failed') {
      const stats = (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/stats?window=1h`, headers: AUTH })).json() as {
        accounts: { accountKey: string; authState: string }[];
      };
      state = stats.accounts.find((a) => a.accountKey === `us1:${ACCOUNT_ID}`)?.authState ?? '';
      if (state !== 'auth_failed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('auth_failed');

    await page.click('[data-testid=nav-integrations]');
    await page.locator('[data-testid=clevertap-status]', { hasText: 'auth failed' }).waitFor(WAIT);
    emulator.setFaults({ all401: false });
    await page.getByRole('button', { name: 'Resume sending' }).click();
    await page.locator('[data-testid=clevertap-status]', { hasText: 'enabled' }).waitFor(WAIT);
    await waitForEventStatus('delivered', 1, `${EVENT_ID}-2`);
  });

  it('filters the Events log and pages through it with Load more', async () => {
    const userKey = 'load-more-user';
    for (let i = 0; i < 55; i += 1) await postFixture(`page-${i}`, { user_id: userKey });

    await page.goto(`${base}/apps/${appId}/events`);
    await page.fill('input[placeholder^="user_id"]', userKey);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/userKey=load-more-user/, WAIT);
    const rows = page.locator('[data-testid^="event-row-page-"]');
    await page.locator('[data-testid="event-row-page-54"]').waitFor(WAIT);
    expect(await rows.count()).toBe(50);
    expect(await page.locator(`[data-testid="event-row-${EVENT_ID}"]`).count()).toBe(0);

    await page.click('[data-testid=load-more]');
    await page.locator('[data-testid="event-row-page-0"]').waitFor(WAIT);
    expect(await rows.count()).toBe(55);
    await page.locator('[data-testid=load-more]').waitFor({ state: 'detached', ...WAIT });

    await page.selectOption('[data-testid=filter-status]', 'quarantined');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No events match.').waitFor(WAIT);
    expect(await rows.count()).toBe(0);
  });

  it('logs out: the session cookie no longer opens the API', async () => {
    await page.click('[data-testid=logout]');
    await page.waitForURL(`${base}/login`, WAIT);
    await page.locator('#token').waitFor(WAIT);
    const status = await page.evaluate(async () => (await fetch('/api/v1/apps')).status);
    expect(status).toBe(401);
  });
});
