import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, recordsForUsers, summarizeArrivals, waitFor } from './helpers.js';

const FAST_SCHEDULE = Array.from({ length: 8 }, () => '50ms,100ms,200ms').join(',');

describe.each(DIALECTS)('delivery under CleverTap faults (%s)', (dialect) => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  const workers: BackgroundWorker[] = [];

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await t?.close();
    await emu?.close();
  });

  it('delivers 50 users × 40 records through 5xx and 429 faults: all arrive once, in order, never more than 10 requests at once', async () => {
    emu = await startClevertapEmulator({
      accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }],
      latencyMs: 300,
      errorRate: 0.2,
      throttleRate: 0.1,
      maxConcurrency: 15,
    });
    t = await createTestContext(dialect, {
      env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_CLEVERTAP_CONCURRENCY: '10', PCBRIDGE_RETRY_SCHEDULE: FAST_SCHEDULE },
    });
    const appId = await createAppWithIntegration(t.ctx);
    await insertRecords(t.ctx, appId, recordsForUsers(50, 40));

    // Two instances share the account's limit of 10; batches of at most 40 records so up to 50
    // requests (one per user) could go at once if the limit did not hold them back.
    const options = { maxBatchRecords: 40, lingerMs: 0 };
    workers.push(createDeliveryWorker(t.ctx, options));
    workers.push(createDeliveryWorker({ ...t.ctx, instanceId: `${t.ctx.instanceId}-b` }, options));

    const ctx = t.ctx;
    try {
      await waitFor(async () => (await countByState(ctx)).delivered === 2000, 60_000, 'all 2000 records delivered');
    } catch (err) {
      // Enough state to tell a stuck record from a slow run.
      console.log(
        JSON.stringify(await countByState(ctx)),
        JSON.stringify(
          await ctx.store.db.all(`SELECT state, lease_owner, MIN(next_attempt_at) AS next, COUNT(*) AS n FROM records WHERE state <> 'delivered' GROUP BY state, lease_owner`),
        ),
        JSON.stringify(await ctx.store.db.all(`SELECT * FROM accounts`)),
        JSON.stringify(await ctx.store.db.all(`SELECT * FROM account_slots WHERE holder IS NOT NULL`)),
        Date.now(),
        JSON.stringify(emu.stats()),
      );
      throw err;
    }

    const summary = summarizeArrivals(emu.records());
    expect(summary).toEqual({ distinct: 2000, duplicates: 0, outOfOrderUsers: [] });
    const stats = emu.stats();
    console.log(
      `fault run (${dialect}): ${stats.requests} requests, status counts ${JSON.stringify(stats.statusCounts)}, max concurrency ${stats.accounts[ACCOUNT_ID]!.maxConcurrency}`,
    );
    expect(stats.accounts[ACCOUNT_ID]!.maxConcurrency).toBeLessThanOrEqual(10);
    // The faults did fire, so the run proves something about retries and back-off.
    expect(stats.statusCounts['503'] ?? 0).toBeGreaterThan(0);
    expect(stats.statusCounts['429'] ?? 0).toBeGreaterThan(0);

    // 429s use up no attempt: a record's attempts count only its 200/5xx answers.
    const attempts = await ctx.store.db.get<{ throttled: number; other: number }>(
      `SELECT SUM(CASE WHEN outcome = 'throttled' THEN record_count ELSE 0 END) AS throttled,
              SUM(CASE WHEN outcome <> 'throttled' THEN record_count ELSE 0 END) AS other FROM attempts`,
    );
    const used = await ctx.store.db.get<{ n: number }>(`SELECT SUM(attempts) AS n FROM records`);
    expect(Number(used!.n)).toBe(Number(attempts!.other));
    const events = await ctx.store.db.all<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM events GROUP BY status`);
    expect(events.map((e) => [e.status, Number(e.n)])).toEqual([['delivered', 2000]]);
  }, 90_000);
});
