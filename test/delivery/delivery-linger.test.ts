import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, createAppWithIntegration, insertRecords, waitFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sizes of the requests the emulator received, in arrival order. */
function requestSizes(emu: ClevertapEmulator): number[] {
  const sizes = new Map<string, number>();
  for (const stored of emu.records()) sizes.set(stored.requestId, (sizes.get(stored.requestId) ?? 0) + 1);
  return [...sizes.values()];
}

describe.each(DIALECTS)('short batches under a backlog (%s)', (dialect) => {
  let t: TestContext;
  let emu: ClevertapEmulator;
  let worker: BackgroundWorker | null = null;

  beforeEach(async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t.close();
    await emu.close();
  });

  /**
   * 13 records ready (a full batch of 10, then 3), then 7 more trickling in one every 20 ms, as
   * processing writes them. Returns the sizes of the requests that carried the 20 records.
   */
  async function deliverTrickle(appId: string): Promise<number[]> {
    await insertRecords(
      t.ctx,
      appId,
      Array.from({ length: 13 }, (_, n) => ({ userId: `user-${n}`, n })),
    );
    worker = createDeliveryWorker(t.ctx, { maxBatchRecords: 10, lingerMs: 30, pollMs: 20 });
    for (let n = 13; n < 20; n++) {
      await sleep(20);
      await insertRecords(t.ctx, appId, [{ userId: `user-${n}`, n }]);
    }
    await waitFor(() => emu.records().length === 20, 10_000, 'all 20 records at CleverTap');
    return requestSizes(emu);
  }

  it('while stored events wait for processing, a short batch keeps topping up until it is full', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    // One event still waiting for processing: more records are on their way.
    await t.ctx.store.db.run(
      `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, environment, received_at, event_created_at, status)
       VALUES (?, 'evt-waiting', 'RENEWED', 'someone', 'someone', 'PRODUCTION', ?, ?, 'received')`,
      [appId, Date.now(), Date.now()],
    );
    expect(await deliverTrickle(appId)).toEqual([10, 10]);
  });

  it('with nothing left to process, a short batch waits one linger and goes', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const sizes = await deliverTrickle(appId);
    expect(sizes[0]).toBe(10);
    expect(sizes.length).toBeGreaterThan(2);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
  });
});
