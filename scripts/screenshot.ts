/**
 * Takes the README's dashboard screenshots (docs/dashboard.png: the Overview;
 * docs/dashboard-integration.png: the CleverTap server events tab) from a real server with
 * real traffic: an in-process bridge on a throwaway SQLite store, its processing and delivery
 * workers, the bundled CleverTap emulator, and 25 minutes of signed Purchasely webhooks made
 * from the documented fixtures (time is shifted so the minutes pass in seconds).
 *
 *   node --import tsx scripts/screenshot.ts
 *
 * Not part of the test run. Needs Debian's Chromium at /usr/bin/chromium.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../src/clock.js';
import { buildApp } from '../src/http/app.js';
import { signPurchaselyRequest } from '../src/purchasely/signature.js';
import { startWorkers } from '../src/workers.js';
import { AUTH, createTestContext, TEST_ADMIN_TOKEN } from '../test/helpers/context.js';
import { ROOT, ensureDashboardBuilt, launchChromium } from '../test/web/browser.js';
import { startClevertapEmulator } from '../tools/clevertap-emulator/index.js';
import { PURCHASELY_FIXTURE_DIR } from '../test/helpers/fixtures.js';

const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;
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
  const created = (await server.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Purchasely Demo', webhookSecret: SECRET } })).json() as { id: string };
  const appId = created.id;
  const catalog = (await server.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog`, headers: AUTH })).json() as {
    events: { name: string }[];
    userProperties: { name: string }[];
  };
  const put = await server.inject({
    method: 'PUT',
    url: `/api/v1/apps/${appId}/integrations/clevertap`,
    headers: AUTH,
    payload: {
      enabled: true,
      region: 'eu1',
      accountId: ACCOUNT.accountId,
      passcode: ACCOUNT.passcode,
      sandbox: 'same_account',
      events: Object.fromEntries(catalog.events.map((e) => [e.name, { enabled: true, name: e.name === 'SUBSCRIPTION_STARTED' ? 'Subscription Started' : null }])),
      userProperties: Object.fromEntries(catalog.userProperties.map((p) => [p.name, { enabled: true }])),
    },
  });
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

    await page.goto(`${base}/apps/${appId}/overview`);
    await page.locator('.recharts-surface').first().waitFor();
    await sleep(500);
    await page.screenshot({ path: join(ROOT, 'docs/dashboard.png'), fullPage: true });

    await page.goto(`${base}/apps/${appId}/integrations/clevertap`);
    await page.getByRole('tab', { name: 'Server events' }).click();
    await page.locator('[data-testid=row-SUBSCRIPTION_STARTED]').waitFor();
    await page.screenshot({ path: join(ROOT, 'docs/dashboard-integration.png') });
    console.log(`wrote docs/dashboard.png and docs/dashboard-integration.png (${n} events, ${emulator.records().length} records at the emulator)`);
  } finally {
    await browser.close();
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await server.close();
  await emulator.close();
  await t.close();
}
