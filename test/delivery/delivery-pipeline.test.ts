import { afterEach, describe, expect, it } from 'vitest';
import { createUploadClient, type UploadClient } from '../../src/clevertap/upload-client.js';
import type { AppContext } from '../../src/context.js';
import { digestCredentials } from '../../src/delivery/account-directory.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { resumeAppAccounts } from '../../src/delivery/resume-account.js';
import { setClevertapId } from '../../src/identity/clevertap-id-service.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, recordsForUsers, summarizeArrivals, waitFor } from './helpers.js';

/** One upload call as the engine made it: when it left, when its answer came, how many records. */
interface Call {
  start: number;
  end: number;
  records: number;
}

/** The real client over HTTP to the emulator, with the time of each call. */
function timedClient(baseUrl: string): UploadClient & { calls: Call[] } {
  const real = createUploadClient({ timeoutMs: 10_000, baseUrlOverride: baseUrl });
  const calls: Call[] = [];
  return {
    calls,
    async upload(account, records, call) {
      const start = performance.now();
      const outcome = await real.upload(account, records, call);
      calls.push({ start, end: performance.now(), records: records.length });
      return outcome;
    },
    async uploadJson(account, recordsJson, call) {
      const start = performance.now();
      const outcome = await real.uploadJson(account, recordsJson, call);
      calls.push({ start, end: performance.now(), records: recordsJson.length });
      return outcome;
    },
    checkCredentials: (account) => real.checkCredentials(account),
    close: () => real.close(),
  };
}

/** Pauses the account as a 401 would (the stored digest is that of the current credentials). */
async function pauseAccount(ctx: AppContext): Promise<void> {
  const key = `eu1:${ACCOUNT_ID}`;
  const now = ctx.clock.now();
  await ctx.store.delivery.accounts.ensure(key, now);
  await ctx.store.delivery.accounts.markAuthFailed(key, digestCredentials(ctx, { region: 'eu1', accountId: ACCOUNT_ID, passcode: PASSCODE }), now, now + 600_000);
}

/** An engine that would not look at the store again for a long while on its own. */
const SLOW_POLL = { pollMs: 10_000, refreshMs: 60_000 };
/** The first request after a wake-up, in ms (the bound: 150 ms, the 100 ms linger included). */
const FIRST_REQUEST_MS = 150;

describe.each(DIALECTS)('delivery as a pipeline (%s)', (dialect) => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  let worker: BackgroundWorker | null = null;
  let client: (UploadClient & { calls: Call[] }) | null = null;
  let otherStore: Store | null = null;

  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await client?.close();
    client = null;
    await otherStore?.close();
    otherStore = null;
    await t?.close();
    t = null;
    await emu?.close();
    emu = null;
  });

  async function setup(opts: { latencyMs?: number; concurrency?: number } = {}): Promise<{ ctx: AppContext; appId: string }> {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }], latencyMs: opts.latencyMs ?? 0 });
    t = await createTestContext(dialect, {
      env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url, PCBRIDGE_CLEVERTAP_CONCURRENCY: String(opts.concurrency ?? 3) },
    });
    client = timedClient(emu.url);
    return { ctx: t.ctx, appId: await createAppWithIntegration(t.ctx) };
  }

  it('follows each answer with the next request at once while a backlog lasts: the next batch was claimed during the request', async () => {
    // CleverTap's answer takes as long as in the measurement (1 s); batches of 250
    // records keep each claim short even on a busy machine.
    const { ctx, appId } = await setup({ latencyMs: 1000, concurrency: 2 });
    await insertRecords(ctx, appId, recordsForUsers(1500, 1));
    worker = createDeliveryWorker(ctx, { client: client!, maxBatchRecords: 250 });
    await waitFor(async () => (await countByState(ctx)).delivered === 1500, 60_000, 'all 1500 records delivered');

    const calls = [...client!.calls].sort((a, b) => a.start - b.start);
    expect(calls.map((c) => c.records)).toEqual([250, 250, 250, 250, 250, 250]);
    // Once both slots are busy (the first answer may still find the start-up claims running),
    // every answer but the last two (one per slot) hands its slot to a batch already claimed: a
    // request leaves in the same turn of the event loop, not after a claim in the store.
    const answers = calls.map((c) => c.end).sort((a, b) => a - b);
    const timeline = JSON.stringify(calls.map((c) => [Math.round(c.start - calls[0]!.start), Math.round(c.end - calls[0]!.start)]));
    for (const end of answers.slice(1, -2)) {
      const gap = Math.min(...calls.filter((c) => c.start >= end - 1).map((c) => c.start - end));
      expect(gap, timeline).toBeLessThan(20);
    }
    expect(emu!.stats().accounts[ACCOUNT_ID]?.maxConcurrency).toBeLessThanOrEqual(2);
    expect(summarizeArrivals(emu!.records())).toEqual({ distinct: 1500, duplicates: 0, outOfOrderUsers: [] });
  }, 90_000);

  it('ends a backlog of users with several records without a tail of small requests', async () => {
    const { ctx, appId } = await setup({ latencyMs: 100, concurrency: 2 });
    // Three records per user, stored one user after the other: 1000 is not a multiple of 3, so a
    // batch cut at 1000 records would split a user and leave its rest for a request of its own.
    await insertRecords(ctx, appId, recordsForUsers(1167, 3));
    worker = createDeliveryWorker(ctx, { client: client! });
    await waitFor(async () => (await countByState(ctx)).delivered === 3501, 60_000, 'all 3501 records delivered');

    const sizes = [...client!.calls].sort((a, b) => a.start - b.start).map((c) => c.records);
    expect(sizes.length).toBe(4);
    expect(sizes.filter((n) => n < 950).length).toBeLessThanOrEqual(1);
    expect(summarizeArrivals(emu!.records())).toEqual({ distinct: 3501, duplicates: 0, outOfOrderUsers: [] });
  }, 60_000);

  it('starts sending within 150 ms of a resume, without waiting for a poll', async () => {
    const { ctx, appId } = await setup();
    await insertRecords(ctx, appId, recordsForUsers(20, 2));
    await pauseAccount(ctx);
    worker = createDeliveryWorker(ctx, { client: client!, ...SLOW_POLL });
    // The engine has read the paused account and sleeps.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client!.calls).toEqual([]);

    await resumeAppAccounts(ctx, appId);
    // From the resume's commit (the route's own queries are not delivery's time).
    const resumedAt = performance.now();
    await waitFor(() => client!.calls.length > 0, 5000, 'the first request');
    expect(client!.calls[0]!.start - resumedAt).toBeLessThan(FIRST_REQUEST_MS);
    await waitFor(async () => (await countByState(ctx)).delivered === 40, 5000, 'all records delivered');
  });

  it('starts sending within 150 ms of records appearing in an idle engine', async () => {
    const { ctx, appId } = await setup();
    worker = createDeliveryWorker(ctx, { client: client!, ...SLOW_POLL });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await insertRecords(ctx, appId, recordsForUsers(10, 1));
    // What processing does after committing records.
    const writtenAt = performance.now();
    ctx.store.delivery.wake();
    await waitFor(() => client!.calls.length > 0, 5000, 'the first request');
    expect(client!.calls[0]!.start - writtenAt).toBeLessThan(FIRST_REQUEST_MS);
  });

  it('sends released held records within 150 ms of the CleverTap ID being set', async () => {
    const { ctx, appId } = await setup();
    await insertRecords(ctx, appId, [
      { userId: null, anonymousUserId: 'anon-1', n: 1, state: 'held' },
      { userId: null, anonymousUserId: 'anon-1', n: 2, state: 'held' },
    ]);
    worker = createDeliveryWorker(ctx, { client: client!, ...SLOW_POLL });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await setClevertapId(ctx, appId, 'anon-1', 'ct-anon-1');
    // From the release's commit (the call's own transaction is not delivery's time).
    const setAt = performance.now();
    await waitFor(() => client!.calls.length > 0, 5000, 'the first request');
    expect(client!.calls[0]!.start - setAt).toBeLessThan(FIRST_REQUEST_MS);
    await waitFor(async () => (await countByState(ctx)).delivered === 2, 5000, 'both records delivered');
  });

  // PostgreSQL: another instance's resume arrives through NOTIFY. SQLite has no channel between
  // processes: another process's resume is found by the next accounts refresh (the fallback).
  const REFRESH_FALLBACK = { pollMs: 200, refreshMs: 1_000 };
  it(
    dialect === 'postgres'
      ? 'wakes on a resume made by another instance (LISTEN/NOTIFY)'
      : 'picks up a resume made by another process at the next accounts refresh (SQLite has no channel between processes)',
    async () => {
      const { ctx, appId } = await setup();
      await insertRecords(ctx, appId, recordsForUsers(5, 1));
      await pauseAccount(ctx);
      worker = createDeliveryWorker(ctx, { client: client!, ...(dialect === 'postgres' ? SLOW_POLL : REFRESH_FALLBACK) });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Another instance: its own store (its own connections), no engine of its own.
      otherStore = openStore(t!.db.target);
      const other: AppContext = { ...ctx, store: otherStore, instanceId: `${ctx.instanceId}-other` };
      // Its pool connected, as in a running instance.
      await otherStore.delivery.accounts.list();
      await resumeAppAccounts(other, appId);
      // From the NOTIFY (the resume's last step): the other instance's own queries are not timed.
      const resumedAt = performance.now();
      await waitFor(() => client!.calls.length > 0, 5000, 'the first request');
      expect(client!.calls[0]!.start - resumedAt).toBeLessThan(dialect === 'postgres' ? FIRST_REQUEST_MS : REFRESH_FALLBACK.refreshMs + FIRST_REQUEST_MS);
    },
  );

  it('writes a 401 onto the records it sends back, so the events list shows why they wait', async () => {
    const { ctx, appId } = await setup();
    await insertRecords(ctx, appId, recordsForUsers(2, 2));
    emu!.setFaults({ all401: true });
    const wakes: string[] = [];
    const unsubscribe = ctx.store.delivery.onWake((what) => wakes.push(what));
    worker = createDeliveryWorker(ctx, { client: client! });
    await waitFor(async () => (await ctx.store.delivery.accounts.get(`eu1:${ACCOUNT_ID}`))?.authState === 'auth_failed', 5000, 'the account paused');
    // The pause is announced (on PostgreSQL to every instance), not left to their next refresh.
    await waitFor(() => wakes.includes('accounts'), 2000, 'the pause announced');
    unsubscribe();
    await worker.stop();
    worker = null;
    const rows = await ctx.store.db.all<{ state: string; attempts: number; last_code: number | null; last_message: string | null }>(
      `SELECT state, attempts, last_code, last_message FROM records ORDER BY id`,
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.state).toBe('pending');
      expect(Number(row.attempts)).toBe(0);
      expect(Number(row.last_code)).toBe(401);
      expect(row.last_message).toMatch(/\S/);
    }
  });
});
