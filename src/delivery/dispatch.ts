/**
 * Dispatch: keeps each account's batches claimed ahead and its slots busy. A request's answer
 * hands its slot straight to the next batch claimed ahead (no store round trip between an answer
 * and the next request); the loop then claims the replacement while the requests fly. Outcome
 * and retry planning stay in send-batch.ts and plan-outcome.ts.
 */
import type { UploadOutcome } from '../clevertap/upload-client.js';
import { sleepOn } from '../clock.js';
import { batchesWanted, isPaused, isResting, usefulLimit, type AccountRuntime, type ReadyBatch } from './account-runtime.js';
import type { ClaimedBatch } from './claim-batch.js';
import type { DeliveryEngine } from './engine.js';
import { probe, releaseReady } from './housekeeping.js';
import { PROBE_INTERVAL_MS, sendBatch } from './send-batch.js';

/**
 * While stored events wait for processing, more records are on their way: a short batch keeps
 * topping up (every linger) for up to this long, so a backlog goes out in full requests.
 */
const BACKLOG_LINGER_MS = 1_000;
/**
 * Most batches cut from one claim. On PostgreSQL a claim's round trips are shared by its
 * batches; on SQLite a claim runs on the event loop, so it takes one batch at a time and
 * answers that arrive meanwhile are handled in between.
 */
const MAX_BATCHES_PER_CLAIM = { sqlite: 1, postgres: 4 } as const;

/**
 * Starts a request for each batch claimed ahead while the account has a free slot, and claims
 * ahead until it holds the batches it wants (see `batchesWanted`).
 */
export async function fill(engine: DeliveryEngine, runtime: AccountRuntime): Promise<void> {
  const { ctx, tuning } = engine;
  if (isPaused(runtime)) {
    await releaseReady(engine, runtime);
    probe(engine, runtime, ctx.clock.now());
    return;
  }
  const limit = usefulLimit(runtime, ctx.config.clevertapConcurrency);
  while (!engine.stopping && !isPaused(runtime)) {
    const now = ctx.clock.now();
    if (runtime.ready.length > 0 && runtime.inFlight < limit && !isResting(runtime, now)) {
      const slot = await ctx.store.delivery.accounts.acquireSlot(runtime.info.key, limit, ctx.instanceId, now + tuning.leaseMs, now);
      runtime.slotsFree = slot !== null;
      if (slot !== null) {
        const ready = runtime.ready.shift();
        // An answer may have handed its own slot to that batch meanwhile.
        if (ready) {
          startRequest(engine, runtime, ready, slot);
          // SQLite answers synchronously: without a turn of the event loop the request would
          // not even be written before the next claim is done.
          await nextTurn();
        } else await ctx.store.delivery.accounts.releaseSlot(runtime.info.key, slot, ctx.instanceId).catch(() => undefined);
        continue;
      }
    }
    const wanted = batchesWanted(runtime, limit) - runtime.ready.length;
    if (wanted <= 0 || now < runtime.idleUntil || runtime.toppingUp) return;
    const idle = runtime.inFlight === 0 && runtime.ready.length === 0;
    const woken = runtime.woken;
    runtime.woken = false;
    if (idle && !runtime.backlog && !woken && !(await anyDue(engine, runtime, now))) {
      runtime.idleUntil = ctx.clock.now() + tuning.pollMs;
      return;
    }
    // From idle the first batch is claimed alone, so the first request leaves soonest.
    const batches = await engine.claim(runtime.info, {
      batches: idle ? 1 : Math.min(wanted, MAX_BATCHES_PER_CLAIM[ctx.store.dialect]),
      maxRecords: tuning.maxRecords,
      maxBytes: tuning.maxBytes,
      leaseMs: tuning.leaseMs,
    });
    if (batches.length === 0) {
      runtime.backlog = false;
      runtime.idleUntil = ctx.clock.now() + tuning.pollMs;
      return;
    }
    const claimedAt = ctx.clock.now();
    for (const batch of batches) {
      const full = batch.full;
      // Under load: a backlog of records, requests in flight or waiting, or events still waiting
      // for processing (their records are on their way).
      const underLoad = runtime.backlog || runtime.inFlight > 0 || runtime.ready.length > 0 || (!full && (await ctx.store.delivery.records.eventsAwaitProcessing()));
      runtime.ready.push({ batch, claimedAt, full, underLoad });
      runtime.backlog = full;
    }
    // Paused while this claim ran (an answer said 401): the batches go straight back.
    if (isPaused(runtime)) await releaseReady(engine, runtime);
    // Let answers that came in during the claim hand their slots over before the next one.
    await nextTurn();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A plain read (no write lock, no transaction) telling whether an idle account has anything due. */
async function anyDue(engine: DeliveryEngine, runtime: AccountRuntime, now: number): Promise<boolean> {
  for (const stream of runtime.info.streams) if (await engine.ctx.store.delivery.records.hasReady(stream.appId, stream.target, now)) return true;
  return false;
}

/**
 * This instance's view of an account CleverTap just refused. Once the pause is stored
 * (`stored`), the accounts are re-read at once; before, a re-read would still find it open.
 */
function pauseRuntime(engine: DeliveryEngine, runtime: AccountRuntime, stored: boolean): void {
  if (runtime.state && runtime.state.authState !== 'auth_failed') {
    runtime.state = { ...runtime.state, authState: 'auth_failed', nextProbeAt: engine.ctx.clock.now() + PROBE_INTERVAL_MS };
  }
  if (stored) engine.times.lastRefresh = -Infinity;
}

/** Starts a request for a batch claimed ahead, on a slot this instance holds. */
function startRequest(engine: DeliveryEngine, runtime: AccountRuntime, ready: ReadyBatch, slot: number): void {
  runtime.inFlight += 1;
  const send = runRequest(engine, runtime, ready, slot).finally(() => {
    // Its users' later records may be due now.
    runtime.idleUntil = 0;
    engine.sends.delete(send);
    engine.poke();
  });
  engine.sends.add(send);
}

/**
 * How long a short batch waits before its top-up, or null when it leaves as it is. Under load it
 * waits up to the linger after its claim for more records; a batch that left records of users
 * then in flight tops up at once (their requests may have answered since), so a backlog does
 * not end in a tail of small requests.
 */
function lingerFor(engine: DeliveryEngine, ready: ReadyBatch): number | null {
  if (ready.full) return null;
  if (ready.underLoad) return Math.max(0, engine.tuning.lingerMs - (engine.ctx.clock.now() - ready.claimedAt));
  return ready.batch.heldBack > 0 ? 0 : null;
}

/**
 * Lets a short batch take more records: one top-up after `wait`, and while events still wait
 * for processing, more top-ups (one per linger) until the batch is full or BACKLOG_LINGER_MS passed.
 */
async function topUp(engine: DeliveryEngine, runtime: AccountRuntime, batch: ClaimedBatch, wait: number): Promise<void> {
  const { ctx, tuning } = engine;
  const deadline = ctx.clock.now() + wait + BACKLOG_LINGER_MS;
  runtime.toppingUp = true;
  try {
    for (;;) {
      if (wait > 0) await sleepOn(ctx.clock, wait);
      const [more] = await engine.claim(runtime.info, {
        maxRecords: tuning.maxRecords,
        maxBytes: tuning.maxBytes,
        used: { records: batch.records.length, bytes: batch.bytes },
        leaseMs: tuning.leaseMs,
      });
      if (more) {
        batch.records.push(...more.records);
        batch.bytes = more.bytes;
        batch.full = more.full;
      }
      if (batch.full || engine.stopping || ctx.clock.now() + tuning.lingerMs > deadline) return;
      if (!(await ctx.store.delivery.records.eventsAwaitProcessing())) return;
      wait = tuning.lingerMs;
    }
  } finally {
    runtime.toppingUp = false;
    engine.poke();
  }
}

/** One request on `slot`: top-up if due, upload, bookkeeping; the slot goes to the next ready batch as soon as the answer is in. */
async function runRequest(engine: DeliveryEngine, runtime: AccountRuntime, ready: ReadyBatch, slot: number): Promise<void> {
  const { ctx } = engine;
  const storedLimit = runtime.state?.concurrencyLimit ?? null;
  let slotHeld = true;
  const releaseSlot = async (outcome?: UploadOutcome): Promise<void> => {
    if (!slotHeld) return;
    slotHeld = false;
    runtime.inFlight -= 1;
    // Only answers that processed records say how long CleverTap takes: a refusal (401, 429, 5xx)
    // comes back at once, and counting it would leave a resumed account on two requests.
    if (outcome?.kind === 'success' || outcome?.kind === 'partial') runtime.latencyMs = runtime.latencyMs * 0.7 + outcome.latencyMs * 0.3;
    // Refused credentials: no other answer hands its slot over from now on (the store learns it
    // with this answer's bookkeeping).
    if (outcome?.kind === 'auth_failed') pauseRuntime(engine, runtime, false);
    // The answer is in: hand the slot straight to the next batch claimed ahead, without a round
    // trip to the store, unless CleverTap pushed back or the limit dropped below this slot.
    const pushedBack = outcome === undefined || outcome.kind === 'throttled' || outcome.kind === 'auth_failed';
    const next = runtime.ready[0];
    if (!pushedBack && !engine.stopping && next !== undefined && slot < usefulLimit(runtime, ctx.config.clevertapConcurrency) && !isPaused(runtime)) {
      runtime.ready.shift();
      startRequest(engine, runtime, next, slot);
      // The bookkeeping of this answer waits one turn of the event loop, so the next request
      // is written to its socket first (SQLite's bookkeeping would hold the loop meanwhile).
      await nextTurn();
      return;
    }
    await ctx.store.delivery.accounts.releaseSlot(runtime.info.key, slot, ctx.instanceId).catch(() => undefined);
    engine.poke();
  };
  const batch = ready.batch;
  try {
    const wait = lingerFor(engine, ready);
    if (wait !== null) await topUp(engine, runtime, batch, wait);
    const result = await sendBatch(
      {
        ctx,
        client: engine.client,
        account: runtime.info,
        storedLimit,
        random: engine.random,
        metrics: engine.metrics,
        onThrottled(until) {
          runtime.throttledUntil = until;
        },
        // The slot bounds requests in flight: free it as soon as the answer is in, before the bookkeeping.
        onAnswered: releaseSlot,
      },
      batch.records,
    );
    if (result.effect === 'auth_failed') {
      // Paused: what was claimed ahead goes back at once.
      pauseRuntime(engine, runtime, true);
      await releaseReady(engine, runtime);
    } else if (result.effect === 'throttled') {
      engine.times.lastRefresh = -Infinity;
    }
  } catch (err) {
    // Handed back to pending by the loop as soon as the store answers (they may go out twice).
    engine.log.error({ account: runtime.info.key, err: (err as Error).message }, 'delivery batch failed; its records go back to pending');
    engine.orphans.push(batch);
  } finally {
    await releaseSlot();
  }
}
