import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext, BackgroundWorker } from '../../src/context.js';
import { loadDeliveryAccounts } from '../../src/delivery/account-directory.js';
import { claimBatches, type ClaimOptions } from '../../src/delivery/claim-batch.js';
import { startClaimThread, type ClaimThread } from '../../src/delivery/claim-thread.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { unopenableDatabase } from '../helpers/threads.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, recordsForUsers, summarizeArrivals, waitFor } from './helpers.js';

const OPTS: ClaimOptions = { batches: 1, maxRecords: 1000, maxBytes: 4 * 1024 * 1024, leaseMs: 60_000 };

async function onlyAccount(ctx: AppContext) {
  const accounts = await loadDeliveryAccounts(ctx);
  expect(accounts.size).toBe(1);
  return [...accounts.values()][0]!;
}

describe('the claim thread (SQLite)', () => {
  let t: TestContext;
  let thread: ClaimThread | null = null;
  let worker: BackgroundWorker | null = null;
  let emu: ClevertapEmulator | null = null;
  beforeEach(async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext('sqlite', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await thread?.stop();
    thread = null;
    await t.close();
    await emu?.close();
  });

  it('claims what the main thread would, as sent, leased to this process', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const ids = await insertRecords(t.ctx, appId, [
      { userId: 'alice', n: 1 },
      { userId: 'bob', n: 2 },
      { userId: 'alice', n: 3 },
      { userId: 'carol', n: 4 },
    ]);
    const account = await onlyAccount(t.ctx);
    thread = startClaimThread(t.ctx);
    const [batch, ...more] = await thread.claim(account, OPTS);
    expect(more).toEqual([]);
    expect(batch!.records.map((r) => r.id)).toEqual(ids);
    expect(batch!.records.map((r) => JSON.parse(r.sentJson) as { identity: string; evtData: { n: number } })).toMatchObject([
      { identity: 'alice', evtData: { n: 1 } },
      { identity: 'bob', evtData: { n: 2 } },
      { identity: 'alice', evtData: { n: 3 } },
      { identity: 'carol', evtData: { n: 4 } },
    ]);
    const leased = await t.ctx.store.db.all<{ state: string; lease_owner: string; identifier_json: string }>(`SELECT state, lease_owner, identifier_json FROM records ORDER BY id`);
    expect(leased.every((r) => r.state === 'in_flight' && r.lease_owner === t.ctx.instanceId)).toBe(true);
    expect(leased.map((r) => JSON.parse(r.identifier_json))).toEqual([{ identity: 'alice' }, { identity: 'bob' }, { identity: 'alice' }, { identity: 'carol' }]);

    // Nothing is left to claim, in the thread or on the main thread.
    expect(await thread.claim(account, OPTS)).toEqual([]);
    expect(await claimBatches(t.ctx, account, OPTS)).toEqual([]);
  }, 30_000);

  it('delivers every record in order through the thread, and stops with it', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const items = Array.from({ length: 2500 }, (_, n) => ({ userId: `user-${n % 40}`, n }));
    await insertRecords(t.ctx, appId, items);
    worker = createDeliveryWorker(t.ctx, { claimThread: true, lingerMs: 10 });
    await waitFor(async () => (await countByState(t.ctx)).delivered === items.length, 30_000, 'every record delivered');
    const arrivals = summarizeArrivals(emu!.records());
    expect(arrivals).toEqual({ distinct: items.length, duplicates: 0, outOfOrderUsers: [] });
    const stopping = performance.now();
    await worker.stop();
    worker = null;
    expect(performance.now() - stopping).toBeLessThan(5_000);
  }, 60_000);

  it('claims on the main thread while the thread is down, and starts it again, logging why', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    await insertRecords(t.ctx, appId, [{ userId: 'alice', n: 1 }]);
    const { ctx, lines, remove } = unopenableDatabase(t.ctx);
    thread = startClaimThread(ctx);
    await waitFor(() => lines.some((l) => l.msg?.startsWith('the claim thread exited; claiming on the main thread')), 10_000, 'the thread exited');
    const [batch] = await thread.claim(await onlyAccount(t.ctx), OPTS);
    expect(batch!.records).toHaveLength(1);
    await waitFor(() => lines.filter((l) => l.msg?.startsWith('the claim thread exited')).length >= 2, 10_000, 'a restart');
    expect(lines.some((l) => l.msg === 'the claim thread failed')).toBe(true);
    await thread.stop();
    thread = null;
    remove();
  }, 30_000);
});

describe.each(DIALECTS)('a claim whose answer was lost (%s)', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('hands back exactly the records that claim took, found by its time', async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const ids = await insertRecords(t.ctx, appId, recordsForUsers(4, 1));
    const account = await onlyAccount(t.ctx);
    const at = Date.now();
    const [first] = await claimBatches(t.ctx, account, { ...OPTS, maxRecords: 2, claimedAt: at });
    const [second] = await claimBatches(t.ctx, account, { ...OPTS, maxRecords: 2, claimedAt: at + 1 });
    expect(first!.records.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(second!.records.map((r) => r.id)).toEqual(ids.slice(2));

    // The first claim's answer was lost: its records go back; the second's stay in flight.
    expect(await t.ctx.store.delivery.records.releaseClaim(t.ctx.instanceId, at, Date.now())).toBe(2);
    expect(await t.ctx.store.delivery.records.releaseClaim('another-instance', at + 1, Date.now())).toBe(0);
    const states = await t.ctx.store.db.all<{ id: number; state: string; lease_owner: string | null }>(`SELECT id, state, lease_owner FROM records ORDER BY id`);
    expect(states.map((r) => [Number(r.id), r.state, r.lease_owner])).toEqual([
      [ids[0], 'pending', null],
      [ids[1], 'pending', null],
      [ids[2], 'in_flight', t.ctx.instanceId],
      [ids[3], 'in_flight', t.ctx.instanceId],
    ]);
    const [again] = await claimBatches(t.ctx, account, OPTS);
    expect(again!.records.map((r) => r.id)).toEqual(ids.slice(0, 2));
  }, 30_000);
});
