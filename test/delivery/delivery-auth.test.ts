import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { buildApp } from '../../src/http/app.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, recordsForUsers, setIntegration, summarizeArrivals, waitFor } from './helpers.js';

async function accountState(t: TestContext): Promise<string | undefined> {
  const row = await t.ctx.store.db.get<{ auth_state: string }>(`SELECT auth_state FROM accounts WHERE account_key = ?`, [`eu1:${ACCOUNT_ID}`]);
  return row?.auth_state;
}

describe.each(DIALECTS)('delivery with refused credentials (%s)', (dialect) => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  let worker: BackgroundWorker | null = null;
  let offset = 0;

  async function setup(): Promise<{ t: TestContext; emu: ClevertapEmulator; appId: string }> {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    offset = 0;
    t = await createTestContext(dialect, {
      env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_RETRY_SCHEDULE: '50ms' },
      clock: { now: () => Date.now() + offset },
    });
    const appId = await createAppWithIntegration(t.ctx, { passcode: 'wrong-passcode' });
    await insertRecords(t.ctx, appId, recordsForUsers(3, 4));
    worker = createDeliveryWorker(t.ctx, { refreshMs: 100 });
    const ctx = t;
    await waitFor(async () => (await accountState(ctx)) === 'auth_failed', 5000, 'the account paused');
    return { t, emu, appId };
  }

  async function expectPausedWithNothingLost(t: TestContext, emu: ClevertapEmulator): Promise<void> {
    const requestsWhenPaused = emu.stats().requests;
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Paused: no further uploads, every record still pending with no attempt used.
    expect(emu.stats().requests).toBe(requestsWhenPaused);
    expect(await countByState(t.ctx)).toEqual({ pending: 12 });
    const used = await t.ctx.store.db.get<{ n: number }>(`SELECT SUM(attempts) AS n FROM records`);
    expect(Number(used!.n)).toBe(0);
    const attempts = await t.ctx.store.db.all<{ outcome: string; http_status: number }>(`SELECT outcome, http_status FROM attempts`);
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts.every((a) => a.outcome === 'auth_failed' && Number(a.http_status) === 401)).toBe(true);
  }

  async function expectAllDelivered(t: TestContext, emu: ClevertapEmulator): Promise<void> {
    await waitFor(async () => (await countByState(t.ctx)).delivered === 12, 10_000, 'all records delivered');
    expect(summarizeArrivals(emu.records())).toEqual({ distinct: 12, duplicates: 0, outOfOrderUsers: [] });
    expect(await accountState(t)).toBe('ok');
  }

  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t?.close();
    await emu?.close();
  });

  it('pauses on 401 without dropping anything and resumes by itself when the passcode is corrected', async () => {
    const { t, emu, appId } = await setup();
    await expectPausedWithNothingLost(t, emu);
    await setIntegration(t.ctx, appId, { passcode: PASSCODE });
    await expectAllDelivered(t, emu);
  });

  it('resumes when the resume endpoint is called after CleverTap accepts the credentials again', async () => {
    const { t, emu, appId } = await setup();
    await expectPausedWithNothingLost(t, emu);
    // The passcode was right all along but CleverTap refused it for a while (say, a revoked then restored key).
    emu.addAccount({ accountId: ACCOUNT_ID, passcode: 'wrong-passcode' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await accountState(t)).toBe('auth_failed');

    const app = await buildApp(t.ctx);
    try {
      const res = await app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/integrations/clevertap/resume`, headers: AUTH });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ accounts: [{ accountKey: `eu1:${ACCOUNT_ID}`, target: 'main', wasPaused: true }] });
      const unknown = await app.inject({ method: 'POST', url: `/api/v1/apps/app_nope/integrations/clevertap/resume`, headers: AUTH });
      expect(unknown.statusCode).toBe(404);
    } finally {
      await app.close();
    }
    await expectAllDelivered(t, emu);
  });

  it('resumes after a credential probe succeeds ten minutes later', async () => {
    const { t, emu } = await setup();
    await expectPausedWithNothingLost(t, emu);
    emu.addAccount({ accountId: ACCOUNT_ID, passcode: 'wrong-passcode' });
    offset = 9 * 60 * 1000;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await accountState(t)).toBe('auth_failed');
    offset = 10 * 60 * 1000 + 1000;
    await expectAllDelivered(t, emu);
  });
});
