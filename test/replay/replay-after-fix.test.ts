import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveIntegrationSettings } from '../../src/settings/integration-settings-service.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import { enableAll } from '../../src/settings/enable-all.js';
import { createApp } from '../../src/apps/apps-service.js';
import { startClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext } from '../helpers/context.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';
import { runCli, startServeProcess } from '../helpers/processes.js';
import { ACCOUNT_ID, PASSCODE, useServeProcesses, waitFor } from '../delivery/helpers.js';

const USERS = 20;
const EVENTS_PER_USER = 3;
const FIXTURES = ['SUBSCRIPTION_STARTED', 'ACTIVATE', 'TRANSACTION_PROCESSED'] as const;

/** An NDJSON backfill made from the documented payloads: each user's events one minute apart. */
function writeBackfill(path: string): void {
  const templates = FIXTURES.map((name) => JSON.parse(readFileSync(join(PURCHASELY_FIXTURE_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>);
  const start = Date.now() - 60 * 60_000;
  const lines: string[] = [];
  for (let user = 0; user < USERS; user++) {
    for (let i = 0; i < EVENTS_PER_USER; i++) {
      const createdMs = start + i * 60_000 + user;
      lines.push(
        JSON.stringify({
          ...templates[i]!,
          event_id: `fix-${user}-${i}`,
          user_id: `fix-user-${user}`,
          purchasely_subscription_id: `subs_fix_${user}`,
          event_created_at_ms: createdMs,
          event_created_at: new Date(createdMs).toISOString(),
        }),
      );
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('replaying failed events after their cause is fixed (PostgreSQL, three serve processes)', () => {
  const setup = useServeProcesses();

  it("delivers them once each, in each user's order; a delivered event is refused without --force", async () => {
    // CleverTap is down: every upload answers 503 until the operator's fix below.
    const emu = (setup.emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }], errorRate: 1 }));
    const t = (setup.t = await createTestContext('postgres', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_RETRY_SCHEDULE: '100ms,100ms' } }));
    const ctx = t.ctx;
    const app = await createApp(ctx, { name: 'replay after fix', webhookSecret: 'whsec-replay-fix' });
    const everything = enableAll(enableAll(defaultIntegrationSettings(), 'events'), 'userProperties');
    await saveIntegrationSettings(ctx, app.id, { ...everything, enabled: true, region: 'eu1', accountId: ACCOUNT_ID, passcode: PASSCODE, sandbox: 'same_account' }, 'put');

    const file = join(t.db.dir, 'backfill.ndjson');
    writeBackfill(file);
    const imported = await runCli(['import', file, '--app', app.id], t.env);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`imported ${USERS * EVENTS_PER_USER}`);

    setup.servers.push(...(await Promise.all([0, 1, 2].map(() => startServeProcess(t.env, [], 30_000)))));
    const eventsByStatus = async () => {
      const rows = await ctx.store.db.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM events GROUP BY status');
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };
    await waitFor(async () => (await eventsByStatus()).failed === USERS * EVENTS_PER_USER, 60_000, 'every event failed');
    expect(emu.records()).toHaveLength(0);

    // The fix: CleverTap answers again. Then the operator replays what failed.
    emu.setFaults({ errorRate: 0 });
    const replayed = await runCli(['replay', '--app', app.id], t.env);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout.trim()).toBe(`requeued ${USERS * EVENTS_PER_USER}`);
    await waitFor(async () => (await eventsByStatus()).delivered === USERS * EVENTS_PER_USER, 60_000, 'every event delivered');

    // Each event reached CleverTap once, and each user's events in the order they happened.
    const sent = emu
      .records()
      .map((s) => s.record as { type: string; identity?: string; evtData?: { event_id?: string } })
      .filter((r) => r.type === 'event');
    const eventIds = sent.map((r) => r.evtData?.event_id);
    expect(new Set(eventIds).size).toBe(USERS * EVENTS_PER_USER);
    expect(eventIds).toHaveLength(USERS * EVENTS_PER_USER);
    for (let user = 0; user < USERS; user++) {
      const mine = sent.filter((r) => r.identity === `fix-user-${user}`).map((r) => r.evtData?.event_id);
      expect(mine).toEqual(Array.from({ length: EVENTS_PER_USER }, (_, i) => `fix-${user}-${i}`));
    }

    const refused = await runCli(['replay', '--app', app.id, '--event', 'fix-0-0'], t.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is delivered: .*force/);
    const forced = await runCli(['replay', '--app', app.id, '--event', 'fix-0-0', '--force'], t.env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout.trim()).toBe('requeued 1');
  }, 120_000);
});
