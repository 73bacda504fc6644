import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { setClevertapId } from '../../src/identity/clevertap-id-service.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, waitFor } from './helpers.js';

describe.each(DIALECTS)('held records of an anonymous user (%s)', (dialect) => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  let worker: BackgroundWorker | null = null;

  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t?.close();
    await emu?.close();
  });

  it('reach CleverTap in their original order with the CleverTap ID once it is set, without blocking other users', async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    await insertRecords(ctx, appId, [
      { userId: null, anonymousUserId: 'anon-7', n: 1, state: 'held' },
      { userId: 'henry', n: 2 },
      { userId: null, anonymousUserId: 'anon-7', n: 3, state: 'held' },
      { userId: null, anonymousUserId: 'anon-7', n: 4, state: 'held' },
      { userId: 'henry', n: 5 },
    ]);
    worker = createDeliveryWorker(ctx);

    await waitFor(async () => (await countByState(ctx)).delivered === 2, 5000, "henry's records delivered");
    expect(await countByState(ctx)).toEqual({ delivered: 2, held: 3 });
    expect(emu.records({ objectId: 'ct-anon-7' })).toEqual([]);

    await setClevertapId(ctx, appId, 'anon-7', 'ct-anon-7');
    await waitFor(() => emu!.records({ objectId: 'ct-anon-7' }).length === 3, 5000, "anon-7's records at CleverTap");
    const sent = emu.records({ objectId: 'ct-anon-7' }).map((s) => (s.record as { evtData: { n: number } }).evtData.n);
    expect(sent).toEqual([1, 3, 4]);
    await waitFor(async () => (await countByState(ctx)).delivered === 5, 5000, 'all delivered');
    const identifiers = await ctx.store.db.all<{ identifier_json: string }>(`SELECT identifier_json FROM records WHERE user_key = 'anon-7' ORDER BY id`);
    expect(identifiers.map((r) => JSON.parse(r.identifier_json))).toEqual([{ objectId: 'ct-anon-7' }, { objectId: 'ct-anon-7' }, { objectId: 'ct-anon-7' }]);
  });

  it('sends a pending record whose user has no identity back to held instead of sending it without one', async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    await insertRecords(ctx, appId, [
      { userId: null, anonymousUserId: 'anon-9', n: 1 },
      { userId: 'ivy', n: 2 },
    ]);
    worker = createDeliveryWorker(ctx);
    await waitFor(async () => (await countByState(ctx)).delivered === 1, 5000, "ivy's record delivered");
    await waitFor(async () => (await countByState(ctx)).held === 1, 5000, "anon-9's record held");
    const row = await ctx.store.db.get<{ hold_until: number }>(`SELECT hold_until FROM records WHERE user_key = 'anon-9'`);
    // Default holdFor is 24 h.
    expect(Number(row!.hold_until)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(emu.records()).toHaveLength(1);
  });
});
