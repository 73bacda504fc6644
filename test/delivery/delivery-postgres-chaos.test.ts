import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, summarizeArrivals, waitFor, type TestRecord } from './helpers.js';

const USERS = 50;
const PER_USER = 40;
const TOTAL = USERS * PER_USER;
const KILLS = 5;
/** Records are fed a few users at a time during the run, so delivery is still going on at every kill. */
const USERS_PER_CHUNK = 10;
const FAST_SCHEDULE = Array.from({ length: 8 }, () => '50ms,100ms,200ms').join(',');
/** Starting `serve` through tsx beside two busy instances on 2 shared cores can be slow. */
const START_TIMEOUT_MS = 60_000;

/**
 * The records in feeding order: round r holds every user's record r, cut into chunks of
 * `USERS_PER_CHUNK` users. A user's records are therefore written (and numbered) in order.
 */
function chunks(): TestRecord[][] {
  const out: TestRecord[][] = [];
  for (let r = 0; r < PER_USER; r++) {
    for (let first = 0; first < USERS; first += USERS_PER_CHUNK) {
      const chunk: TestRecord[] = [];
      for (let u = first; u < first + USERS_PER_CHUNK; u++) chunk.push({ userId: `chaos-${u}`, n: u * PER_USER + r });
      out.push(chunk);
    }
  }
  return out;
}

describe('delivery on PostgreSQL with three serve processes under faults and kills', () => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  const servers: (ServerProcess | null)[] = [];
  let latencyTimer: NodeJS.Timeout | undefined;
  let feedTimer: NodeJS.Timeout | undefined;

  afterEach(async () => {
    clearInterval(latencyTimer);
    clearInterval(feedTimer);
    await Promise.all(servers.splice(0).map((s) => s?.stop('SIGKILL')));
    await t?.close();
    await emu?.close();
  });

  it('loses nothing, keeps every user in order and never exceeds 10 requests at once while one of the instances is SIGKILLed five times', async () => {
    emu = await startClevertapEmulator({
      accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }],
      latencyMs: 200,
      errorRate: 0.2,
      throttleRate: 0.1,
      maxConcurrency: 15,
    });
    // Latency wanders between 100 and 300 ms, so requests overtake each other.
    const emulator = emu;
    latencyTimer = setInterval(() => emulator.setFaults({ latencyMs: 100 + Math.floor(Math.random() * 201) }), 250);

    t = await createTestContext('postgres');
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    const env = {
      ...t.env,
      PCBRIDGE_CLEVERTAP_BASE_URL: emu.url,
      PCBRIDGE_CLEVERTAP_CONCURRENCY: '10',
      PCBRIDGE_RETRY_SCHEDULE: FAST_SCHEDULE,
      LOG_LEVEL: 'warn',
    };
    servers.push(...(await Promise.all([0, 1, 2].map(() => startServeProcess(env, [], START_TIMEOUT_MS)))));

    const pending = chunks();
    let feeding: Promise<void> = Promise.resolve();
    /** Writes the next chunk after the previous write (chunks must land in order). */
    const feedOne = (): Promise<void> => {
      feeding = feeding.then(async () => {
        const chunk = pending.shift();
        if (chunk) await insertRecords(ctx, appId, chunk);
      });
      return feeding;
    };
    // Background load, also while a killed instance restarts: a chunk every 50 ms while little
    // is waiting (so requests stay small and many), keeping RESERVE chunks back for each kill
    // still to come so delivery is never over before it.
    let killsDone = 0;
    const RESERVE = 20;
    let checking = false;
    feedTimer = setInterval(() => {
      if (checking || pending.length <= (KILLS - killsDone) * RESERVE) return;
      checking = true;
      void countByState(ctx)
        .then(async (states) => {
          if ((states.pending ?? 0) < 100) await feedOne();
        })
        .finally(() => (checking = false));
    }, 50);
    /** Records the instance with this pid holds in flight (its instance ID is `host:pid:…`). */
    const inFlightOf = async (pid: number): Promise<number> => {
      const row = await ctx.store.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM records WHERE state = 'in_flight' AND lease_owner LIKE ?`, [`${hostname()}:${pid}:%`]);
      return Number(row!.n);
    };

    const inFlightAtKill: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Feed a chunk every 100 ms until one of the instances has records out, then kill that one.
      let index = -1;
      let lastFeed = 0;
      await waitFor(
        async () => {
          for (let i = 0; i < servers.length; i++) {
            if ((await inFlightOf(servers[i]!.child.pid!)) > 0) {
              index = i;
              return true;
            }
          }
          if (Date.now() - lastFeed >= 100) {
            lastFeed = Date.now();
            await feedOne();
          }
          return false;
        },
        60_000,
        `an instance holding records in flight (kill ${kill + 1})`,
      );
      const victim = servers[index]!;
      const pid = victim.child.pid!;
      servers[index] = null;
      await victim.stop('SIGKILL');
      // The dead instance's rows stay in_flight until its lease expires (10 s): exactly what it had out.
      inFlightAtKill.push(await inFlightOf(pid));
      killsDone += 1;
      servers[index] = await startServeProcess(env, [], START_TIMEOUT_MS);
    }
    clearInterval(feedTimer);
    while (pending.length > 0) await feedOne();

    try {
      await waitFor(async () => (await countByState(ctx)).delivered === TOTAL, 90_000, `all ${TOTAL} records delivered`);
    } catch (err) {
      console.log(JSON.stringify(await countByState(ctx)), JSON.stringify(emu.stats()), servers.map((s) => s?.output().slice(-2000)).join('\n---\n'));
      throw err;
    }
    // Requests cut off by the kills finish inside the emulator before counting.
    await waitFor(() => emulator.stats().inFlight === 0, 10_000, 'the emulator idle');

    const summary = summarizeArrivals(emu.records());
    const stats = emu.stats();
    console.log(
      `postgres chaos: ${summary.duplicates} duplicates after ${KILLS} SIGKILLs (records in flight at each kill: ${inFlightAtKill.join(', ')}); ` +
        `${stats.requests} requests, status counts ${JSON.stringify(stats.statusCounts)}, max concurrency ${stats.accounts[ACCOUNT_ID]!.maxConcurrency}`,
    );
    // On an order break, show the first such user's arrivals and rows: the cause can be read from them.
    if (summary.outOfOrderUsers.length > 0) {
      const user = summary.outOfOrderUsers[0]!;
      const seen = emu.records().filter((r) => (r.record as { evtData?: { user?: string } }).evtData?.user === user);
      console.log(user, JSON.stringify(seen.map((r) => [(r.record as { evtData: { n: number } }).evtData.n, r.requestId, r.receivedAt])));
      console.log(JSON.stringify(await ctx.store.db.all(`SELECT id, body_json, attempts FROM records WHERE user_key = ? ORDER BY id`, [user])));
    }
    expect(inFlightAtKill.every((n) => n > 0)).toBe(true);
    expect(summary.distinct).toBe(TOTAL);
    expect(summary.outOfOrderUsers).toEqual([]);
    // Only records a killed instance had out can arrive twice; a request carries at most 1000.
    expect(summary.duplicates).toBeLessThanOrEqual(KILLS * 1000);
    expect(summary.duplicates).toBeLessThanOrEqual(inFlightAtKill.reduce((a, b) => a + b, 0));
    expect(stats.accounts[ACCOUNT_ID]!.maxConcurrency).toBeLessThanOrEqual(10);
    expect(await countByState(ctx)).toEqual({ delivered: TOTAL });
  }, 240_000);
});
