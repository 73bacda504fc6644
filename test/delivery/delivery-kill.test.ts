import { afterEach, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, summarizeArrivals, waitFor, type TestRecord } from './helpers.js';

/** `perUser` records for each of `users` users, interleaved (every user's first record, then every second…). */
function interleaved(users: number, perUser: number): TestRecord[] {
  const out: TestRecord[] = [];
  for (let i = 0; i < perUser; i++) for (let u = 0; u < users; u++) out.push({ userId: `killed-${u}`, n: u * perUser + i });
  return out;
}

describe('delivery when the bridge is killed mid-batch (sqlite)', () => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  let server: ServerProcess | null = null;

  afterEach(async () => {
    await server?.stop('SIGKILL');
    await t?.close();
    await emu?.close();
  });

  it('loses nothing and keeps every user in order across five SIGKILLs; duplicates come only from requests in flight', async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }], latencyMs: 300 });
    t = await createTestContext('sqlite');
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    // Interleaved users: each request carries 1000 records of 200 users, and the next one waits
    // for it (those users are in flight), so a kill always lands on a request of real size.
    await insertRecords(ctx, appId, interleaved(200, 30));
    const env = { ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, LOG_LEVEL: 'warn' };

    const inFlightAtKill: number[] = [];
    for (let kill = 0; kill < 5; kill++) {
      server = await startServeProcess(env);
      const before = emu.stats().requests;
      // Kill while a request is in the emulator's hands (after at least one new one started).
      await waitFor(() => emu!.stats().requests > before && emu!.stats().inFlight > 0, 20_000, 'a request in flight');
      await server.stop('SIGKILL');
      server = null;
      const inFlight = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE state = 'in_flight'`);
      inFlightAtKill.push(Number(inFlight!.n));
    }
    server = await startServeProcess(env);
    await waitFor(async () => (await countByState(ctx)).delivered === 6000, 60_000, 'all 6000 records delivered');

    // Let requests cut off by the kills finish inside the emulator before counting.
    await waitFor(() => emu!.stats().inFlight === 0, 5000, 'the emulator idle');
    const summary = summarizeArrivals(emu.records());
    console.log(`kill test: ${summary.duplicates} duplicates after 5 SIGKILLs; records in flight at each kill: ${inFlightAtKill.join(', ')}`);
    expect(summary.distinct).toBe(6000);
    expect(summary.outOfOrderUsers).toEqual([]);
    // Only records that were in flight when a kill hit can arrive twice.
    expect(summary.duplicates).toBeLessThanOrEqual(inFlightAtKill.reduce((a, b) => a + b, 0));
    expect(await countByState(ctx)).toEqual({ delivered: 6000 });
  }, 150_000);
});
