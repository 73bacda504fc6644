import { describe, expect, it } from 'vitest';
import { startClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext } from '../helpers/context.js';
import { startServeProcess } from '../helpers/processes.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, summarizeArrivals, useServeProcesses, waitFor, type TestRecord } from './helpers.js';

function interleaved(users: number, perUser: number): TestRecord[] {
  const out: TestRecord[] = [];
  for (let i = 0; i < perUser; i++) for (let u = 0; u < users; u++) out.push({ userId: `node-${u}`, n: u * perUser + i });
  return out;
}

describe('delivery from several instances on one PostgreSQL', () => {
  const setup = useServeProcesses();

  it('three instances share the account limit, send each record once and keep every user in order', async () => {
    const emu = (setup.emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }], latencyMs: 300 }));
    const t = (setup.t = await createTestContext('postgres'));
    const servers = setup.servers;
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    // 3000 users × 2 records, interleaved: three full requests could go at once, so only
    // the shared limit of 2 keeps the instances from sending three; and a user's second record
    // must wait for its first even when another instance claims it.
    await insertRecords(ctx, appId, interleaved(3000, 2));
    const env = { ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_CLEVERTAP_CONCURRENCY: '2' };
    servers.push(...(await Promise.all([0, 1, 2].map(() => startServeProcess(env, [], 30_000)))));
    expect(servers).toHaveLength(3);

    try {
      await waitFor(async () => (await countByState(ctx)).delivered === 6000, 60_000, 'all 6000 records delivered');
    } catch (err) {
      console.log(await countByState(ctx), JSON.stringify(emu.stats()), servers.map((s) => s.output().slice(-3000)).join('\n---\n'));
      throw err;
    }
    const summary = summarizeArrivals(emu.records());
    expect(summary).toEqual({ distinct: 6000, duplicates: 0, outOfOrderUsers: [] });
    const stats = emu.stats();
    expect(stats.accounts[ACCOUNT_ID]!.maxConcurrency).toBeLessThanOrEqual(2);
    // Full requests: 6000 records in about 6 requests, not hundreds of small ones.
    expect(stats.requests).toBeLessThanOrEqual(8);
  }, 120_000);
});
