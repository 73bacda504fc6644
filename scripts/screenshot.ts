/**
 * Takes the dashboard screenshots of docs/ from a real server with real traffic: an in-process
 * bridge on a throwaway SQLite store, its processing and delivery workers, the bundled CleverTap
 * emulator, and 25 minutes of signed Purchasely webhooks made from the documented fixtures
 * (time is shifted so the minutes pass in seconds).
 *
 *   node --import tsx scripts/screenshot.ts [overview] [integration] [preview] [identity] [refusals]
 *
 * Without names it takes them all:
 *   overview     docs/dashboard.png                 the Overview
 *   integration  docs/dashboard-integration.png     the CleverTap server events tab
 *   preview      docs/dashboard-preview.png         Try a payload, validated with CleverTap
 *   identity     docs/dashboard-identity-profile.png  a user's CleverTap profile beside pcbridge's
 *   refusals     docs/dashboard-refusals.png        Setup's recent refused requests
 *
 * Not part of the test run. Needs Debian's Chromium at /usr/bin/chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../src/clock.js';
import { buildApp } from '../src/http/app.js';
import { signPurchaselyRequest } from '../src/purchasely/signature.js';
import { startWorkers } from '../src/runtime/workers.js';
import { AUTH, createTestContext, TEST_ADMIN_TOKEN } from '../test/helpers/context.js';
import { ROOT, ensureDashboardBuilt, launchChromium } from '../test/web/browser.js';
import { startClevertapEmulator } from '../tools/clevertap-emulator/index.js';
import { PURCHASELY_FIXTURE_DIR } from '../test/helpers/fixtures.js';

const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;
const SHOTS = ['overview', 'integration', 'preview', 'identity', 'refusals'] as const;
type Shot = (typeof SHOTS)[number];
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!(SHOTS as readonly string[]).includes(name)) {
    console.error(`unknown screenshot "${name}": choose among ${SHOTS.join(', ')}`);
    process.exit(2);
  }
}
const want = (shot: Shot) => asked.length === 0 || asked.includes(shot);
const MINUTES = 25;
const SECRET = 'screenshot-webhook-secret';
const ACCOUNT = { accountId: 'W9R-DEMO-001', passcode: 'demo-passcode' };

const fixtures = ['SUBSCRIPTION_STARTED', 'ACTIVATE', 'TRANSACTION_PROCESSED'].map(
  (name) => JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>,
);

/** Real time shifted into the past by `offsetMs`, which the script shrinks minute by minute. */
let offsetMs = MINUTES * 60_000;
const clock: Clock = { now: () => Date.now() - offsetMs };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (at most 10 s) until no event awaits processing and no record is pending or in flight. */
async function waitForQuietQueue(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy = await t.ctx.store.db.get<{ n: number }>(
      "SELECT (SELECT COUNT(*) FROM events WHERE status = 'received') + (SELECT COUNT(*) FROM records WHERE state IN ('pending', 'in_flight')) AS n",
    );
    if (Number(busy?.n ?? 0) === 0) return;
    await sleep(100);
  }
}

await ensureDashboardBuilt();
const emulator = await startClevertapEmulator({ accounts: [ACCOUNT], latencyMs: 40, errorRate: 0.04 });
const t = await createTestContext('sqlite', {
  clock,
  env: { PCBRIDGE_CLEVERTAP_BASE_URL: emulator.url, PCBRIDGE_RETRY_SCHEDULE: '1s,1s' },
});
const server = await buildApp(t.ctx);
await server.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
const workers = startWorkers(t.ctx);

try {
  const created = (await server.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Purchasely Demo', webhookSecret: SECRET } })).json() as {
    id: string;
  };
  const appId = created.id;
  const catalog = (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog`, headers: AUTH })).json() as {
    events: { name: string }[];
    userProperties: { name: string }[];
  };
  const settings = {
    enabled: true,
    region: 'eu1',
    accountId: ACCOUNT.accountId,
    passcode: ACCOUNT.passcode,
    sandbox: 'same_account',
    events: Object.fromEntries(catalog.events.map((e) => [e.name, { enabled: true, name: e.name === 'SUBSCRIPTION_STARTED' ? 'Subscription Started' : null }])),
    userProperties: Object.fromEntries(catalog.userProperties.map((p) => [p.name, { enabled: true }])),
  };
  const put = await server.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/integrations/clevertap`, headers: AUTH, payload: settings });
  if (put.statusCode !== 200) throw new Error(`integration PUT answered ${put.statusCode}: ${put.body}`);

  let n = 0;
  for (let minute = 0; minute < MINUTES; minute += 1) {
    offsetMs = (MINUTES - minute) * 60_000;
    const count = 4 + Math.round(6 * (1 + Math.sin(minute / 3)));
    for (let i = 0; i < count; i += 1) {
      n += 1;
      const fixture = fixtures[n % fixtures.length]!;
      const now = clock.now();
      // Every seventh user is anonymous and has no CleverTap ID yet: its records are held.
      const anonymous = n % 7 === 0;
      const payload = {
        ...fixture,
        event_id: `evt-${n}`,
        user_id: anonymous ? undefined : `user-${n % 40}`,
        anonymous_user_id: `anon-${n % 40}`,
        environment: n % 5 === 0 ? 'SANDBOX' : 'PRODUCTION',
        event_created_at_ms: now,
        event_created_at: new Date(now).toISOString(),
      };
      const body = JSON.stringify(payload);
      const timestamp = String(Math.floor(now / 1000));
      await server.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        headers: {
          'content-type': 'application/json',
          'x-purchasely-timestamp': timestamp,
          'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body),
        },
        payload: body,
      });
    }
    // Let the minute's events be processed and sent before time moves on, so latencies stay real.
    await waitForQuietQueue();
  }
  offsetMs = 0;
  await waitForQuietQueue();

  const browser = await launchChromium();
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/login`);
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    mkdirSync(join(ROOT, 'docs'), { recursive: true });

    const written: string[] = [];
    if (want('overview')) {
      await page.goto(`${base}/apps/${appId}/overview`);
      await page.locator('.recharts-surface').first().waitFor();
      await sleep(500);
      await page.screenshot({ path: join(ROOT, 'docs/dashboard.png'), fullPage: true });
      written.push('docs/dashboard.png');
    }

    if (want('integration')) {
      await page.goto(`${base}/apps/${appId}/integrations/clevertap`);
      await page.getByRole('tab', { name: 'Server events' }).click();
      await page.locator('[data-testid=row-SUBSCRIPTION_STARTED]').waitFor();
      await page.screenshot({ path: join(ROOT, 'docs/dashboard-integration.png') });
      written.push('docs/dashboard-integration.png');
    }

    // The checks below ask CleverTap (dry run, Get User Profile): no random 503s from here on.
    emulator.setFaults({ errorRate: 0 });

    if (want('preview')) {
      // A documented example checked by CleverTap, on an app of its own: the simulated traffic
      // above shares one subscription id among 40 users, whose state would blur the example.
      const own = (await server.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Purchasely Demo', webhookSecret: SECRET } })).json() as {
        id: string;
      };
      const ownPut = await server.inject({ method: 'PUT', url: `/api/v1/apps/${own.id}/integrations/clevertap`, headers: AUTH, payload: settings });
      if (ownPut.statusCode !== 200) throw new Error(`integration PUT answered ${ownPut.statusCode}: ${ownPut.body}`);
      await page.goto(`${base}/apps/${own.id}/try`);
      await page.getByLabel('Documented example').selectOption('ACTIVATE');
      await page.locator('[data-testid=preview-output]:not(.stale) [data-testid=preview-summary]').waitFor();
      await page.getByRole('button', { name: 'Validate with CleverTap' }).click();
      await page.locator('[data-testid=dry-run-summary]').waitFor();
      await page.screenshot({ path: join(ROOT, 'docs/dashboard-preview.png'), fullPage: true });
      written.push('docs/dashboard-preview.png');
    }

    if (want('identity')) {
      // A subscriber renews (a PRODUCTION event of now), then, behind pcbridge's back, someone
      // changes the user's profile in CleverTap.
      const userKey = 'user-demo-42';
      const now = Date.now();
      const renewal = JSON.stringify({
        ...fixtures[1],
        event_id: 'identity-demo',
        user_id: userKey,
        environment: 'PRODUCTION',
        event_created_at_ms: now,
        event_created_at: new Date(now).toISOString(),
        purchased_at_ms: now,
        purchased_at: new Date(now).toISOString(),
        next_renewal_at_ms: now + 30 * 86_400_000,
        next_renewal_at: new Date(now + 30 * 86_400_000).toISOString(),
        effective_next_renewal_at_ms: now + 30 * 86_400_000,
        effective_next_renewal_at: new Date(now + 30 * 86_400_000).toISOString(),
      });
      const ts = String(Math.floor(now / 1000));
      await server.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': ts, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, ts, renewal) },
        payload: renewal,
      });
      await waitForQuietQueue();
      const view = (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/users/${userKey}/clevertap-profile`, headers: AUTH })).json() as {
        identifier: Record<string, string> | null;
      };
      if (!view.identifier) throw new Error(`${userKey} has no CleverTap identifier`);
      const changed = await fetch(`${emulator.url}/1/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-clevertap-account-id': ACCOUNT.accountId, 'x-clevertap-passcode': ACCOUNT.passcode },
        body: JSON.stringify({
          d: [
            {
              type: 'profile',
              ...view.identifier,
              ts: Math.floor(Date.now() / 1000),
              profileData: { subscription_status: 'EXPIRED', has_active_subscription: false, 'Favourite Colour': 'green' },
            },
          ],
        }),
      });
      if (!changed.ok) throw new Error(`the emulator answered ${changed.status}`);
      await page.goto(`${base}/apps/${appId}/identity`);
      await page.getByLabel('User').fill(userKey);
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.locator('[data-testid=profile-differs]').waitFor();
      await page.screenshot({ path: join(ROOT, 'docs/dashboard-identity-profile.png'), fullPage: true });
      written.push('docs/dashboard-identity-profile.png');
    }

    if (want('refusals')) {
      // Requests Purchasely's side gets wrong: an old secret, no signature, a clock 7 minutes off.
      const body = JSON.stringify({ ...fixtures[1], event_id: 'refused' });
      const refuse = async (remoteAddress: string, signWith: string | null, timestamp = Math.floor(Date.now() / 1000)) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-purchasely-timestamp': String(timestamp) };
        if (signWith !== null) headers['x-purchasely-request-signature'] = signPurchaselyRequest(signWith, String(timestamp), body);
        await server.inject({ method: 'POST', url: `/webhooks/purchasely/${appId}`, headers, payload: body, remoteAddress });
      };
      await server.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        headers: { 'content-type': 'application/json' },
        payload: 'x'.repeat(300_000),
        remoteAddress: '198.51.100.23',
      });
      await refuse('198.51.100.23', null);
      for (let i = 0; i < 3; i += 1) await refuse('203.0.113.40', 'the-secret-before-rotation');
      await refuse('203.0.113.41', SECRET, Math.floor(Date.now() / 1000) - 420);
      // Refusals are written in the background, about once a second.
      const deadline = Date.now() + 10_000;
      let listed = 0;
      while (Date.now() < deadline && listed < 6) {
        const res = await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/rejections?limit=20`, headers: AUTH });
        listed = res.statusCode === 200 ? (res.json() as { items: unknown[] }).items.length : 0;
        if (listed < 6) await sleep(100);
      }
      if (listed < 6) throw new Error(`GET …/rejections listed ${listed} of the 6 refusals`);
      await page.goto(`${base}/apps/${appId}/webhook`);
      const card = page.locator('[data-testid=refused-requests]');
      await page.locator('[data-testid=refused-newest]').waitFor();
      await card.screenshot({ path: join(ROOT, 'docs/dashboard-refusals.png') });
      written.push('docs/dashboard-refusals.png');
    }
    console.log(`wrote ${written.join(', ')} (${n} events, ${emulator.records().length} records at the emulator)`);
  } finally {
    await browser.close();
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await server.close();
  await emulator.close();
  await t.close();
}
