/**
 * The delivery engine's loop (SPEC §5), one per process in the `all` and `worker` roles.
 *
 * For each CleverTap account it keeps up to the account's concurrency limit of requests in
 * flight — a limit shared by every instance through `account_slots` leases, halved on 429 and
 * recovered gradually. Each request carries a batch claimed from the outbox (up to 1000 records /
 * 4 MiB, topped up for a short linger under load). Leases are renewed while this instance lives
 * and reclaimed by any instance once they run out, so a killed instance's records go out again.
 */
import { createUploadClient, MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, type UploadClient, type UploadOutcome } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import { createAccountsRepo, type AccountState } from '../store/repos/accounts-repo.js';
import { createDeliveryRepo } from '../store/repos/delivery-repo.js';
import type { BackgroundWorker } from '../context.js';
import { loadDeliveryAccounts, type DeliveryAccount } from './account-directory.js';
import { claimBatch, type ClaimedBatch } from './claim-batch.js';
import { effectiveLimit } from './concurrency-limit.js';
import { createDeliveryMetrics } from './delivery-metrics.js';
import { isDeadLocalOwner } from './dead-local-owners.js';
import { PROBE_INTERVAL_MS, sendBatch } from './send-batch.js';

/** Answers faster than this (moving average) mean the CPU, not CleverTap, sets the pace. */
const FAST_ANSWER_MS = 100;
/**
 * While stored events wait for processing, more records are on their way: a short batch keeps
 * topping up (every linger) for up to this long, so a backlog goes out in full requests.
 */
const BACKLOG_LINGER_MS = 1_000;

/** Tuning of the engine; defaults follow SPEC §5. Tests shrink some of them. */
export interface DeliveryWorkerOptions {
  /** Upload client to use (default: one made from the config, closed on stop). */
  client?: UploadClient;
  /** Records per request (default and maximum 1000). */
  maxBatchRecords?: number;
  /** Bytes per request (default and maximum 4 MiB). */
  maxBatchBytes?: number;
  /** How long a short batch waits for more records under load (default 100 ms). */
  lingerMs?: number;
  /** Lease on claimed records and slots, renewed while this instance lives (default 10 s). */
  leaseMs?: number;
  /** Idle poll interval (default 200 ms). */
  pollMs?: number;
  /** How often accounts and settings are re-read (default 1 s). */
  refreshMs?: number;
  /** Randomness for retry jitter. */
  random?: () => number;
}

interface AccountRuntime {
  info: DeliveryAccount;
  state: AccountState | null;
  /** Slots this instance holds for the account (requests in flight or about to leave). */
  inFlight: number;
  /** Nothing was due at the last claim: skip until then. */
  idleUntil: number;
  /** This instance's 429 back-off. */
  throttledUntil: number;
  /** The last claim filled a whole batch: a backlog exists, so short batches linger. */
  backlog: boolean;
  /** Moving average of CleverTap's answer time for this account, in ms. */
  latencyMs: number;
  /** A short batch of this instance is topping up: it takes the new records, so no other batch is claimed meanwhile. */
  toppingUp: boolean;
  /** A batch claimed ahead, waiting for a free slot. */
  ready: { batch: ClaimedBatch; claimedAt: number; full: boolean; underLoad: boolean } | null;
  probing: boolean;
}

/** Starts the delivery loop. */
export function createDeliveryWorker(ctx: AppContext, opts: DeliveryWorkerOptions = {}): BackgroundWorker {
  const maxRecords = Math.min(opts.maxBatchRecords ?? MAX_RECORDS_PER_REQUEST, MAX_RECORDS_PER_REQUEST);
  const maxBytes = Math.min(opts.maxBatchBytes ?? MAX_REQUEST_BYTES, MAX_REQUEST_BYTES);
  const lingerMs = opts.lingerMs ?? 100;
  const leaseMs = opts.leaseMs ?? 10_000;
  const pollMs = opts.pollMs ?? 200;
  const refreshMs = opts.refreshMs ?? 1000;
  const random = opts.random ?? Math.random;
  const ownClient = opts.client === undefined;
  const client =
    opts.client ??
    createUploadClient({
      timeoutMs: ctx.config.clevertapTimeoutMs,
      ...(ctx.config.clevertapBaseUrl !== null ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
    });
  const log = ctx.logger.child({ worker: 'delivery' });
  const metrics = createDeliveryMetrics(ctx.metrics.registry, ctx.store);

  const accounts = new Map<string, AccountRuntime>();
  const sends = new Set<Promise<void>>();
  const knownAccountKeys = new Set<string>();
  /**
   * Batches whose bookkeeping failed (store unreachable). Our heartbeat keeps renewing their
   * leases, so they are handed back explicitly, retried until the store answers.
   */
  const orphans: ClaimedBatch[] = [];
  let stopping = false;
  let wake: (() => void) | null = null;
  /** A poke that arrived while the loop was busy: the next sleep returns at once. */
  let poked = false;
  let lastRefresh = -Infinity;
  let lastReclaim = -Infinity;
  let lastRenew = ctx.clock.now();

  const poke = (): void => {
    const w = wake;
    wake = null;
    if (w) w();
    else poked = true;
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (poked) {
        poked = false;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function refresh(now: number): Promise<void> {
    const directory = await loadDeliveryAccounts(ctx);
    const repo = createAccountsRepo(ctx.store.db);
    for (const key of directory.keys()) {
      if (!knownAccountKeys.has(key)) {
        await repo.ensure(key, now);
        knownAccountKeys.add(key);
      }
    }
    const states = new Map((await repo.list()).map((s) => [s.accountKey, s]));
    for (const [key, info] of directory) {
      let runtime = accounts.get(key);
      if (!runtime) {
        runtime = { info, state: null, inFlight: 0, idleUntil: 0, throttledUntil: 0, backlog: false, latencyMs: FAST_ANSWER_MS, toppingUp: false, ready: null, probing: false };
        accounts.set(key, runtime);
      }
      runtime.info = info;
      let state = states.get(key) ?? null;
      if (state?.authState === 'auth_failed' && state.credentialsDigest !== info.credentialsDigest) {
        // New credentials since the refusal: try them.
        await repo.markAuthOk(key, now);
        log.info({ account: key }, 'CleverTap credentials changed: delivery resumes');
        state = await repo.get(key);
      }
      runtime.state = state;
    }
    for (const key of [...accounts.keys()]) if (!directory.has(key) && accounts.get(key)!.inFlight === 0 && accounts.get(key)!.ready === null) accounts.delete(key);
  }

  async function housekeeping(now: number): Promise<void> {
    if (now - lastRefresh >= refreshMs) {
      lastRefresh = now;
      await refresh(now);
    }
    if (now - lastRenew >= leaseMs / 4) {
      lastRenew = now;
      await createDeliveryRepo(ctx.store.db).renewLeases(ctx.instanceId, now + leaseMs);
      await createAccountsRepo(ctx.store.db).renewSlots(ctx.instanceId, now + leaseMs);
    }
    while (orphans.length > 0) {
      await unclaim(orphans[0]!);
      orphans.shift();
    }
    if (now - lastReclaim >= 1000) {
      lastReclaim = now;
      const repo = createDeliveryRepo(ctx.store.db);
      let reclaimed = await repo.reclaimExpired(now);
      if (ctx.store.dialect === 'sqlite') reclaimed += await reclaimDeadLocalOwners(now);
      if (reclaimed > 0) log.info({ records: reclaimed }, 'reclaimed records whose lease ran out (an instance stopped mid-request); they go out again');
    }
  }

  /** SQLite: records and slots of instances of this host that died go back at once (see dead-local-owners.ts). */
  async function reclaimDeadLocalOwners(now: number): Promise<number> {
    const repo = createDeliveryRepo(ctx.store.db);
    const slots = createAccountsRepo(ctx.store.db);
    let reclaimed = 0;
    for (const owner of await repo.leaseOwners()) {
      if (isDeadLocalOwner(owner, ctx.instanceId)) reclaimed += await repo.reclaimOwner(owner, now);
    }
    for (const holder of await slots.slotHolders(now)) {
      if (isDeadLocalOwner(holder, ctx.instanceId)) await slots.releaseHolder(holder);
    }
    return reclaimed;
  }

  function probe(runtime: AccountRuntime, now: number): void {
    if (runtime.probing || runtime.state?.nextProbeAt == null || runtime.state.nextProbeAt > now) return;
    runtime.probing = true;
    void (async () => {
      const repo = createAccountsRepo(ctx.store.db);
      if (!(await repo.claimProbe(runtime.info.key, now, now + PROBE_INTERVAL_MS))) return;
      const check = await client.checkCredentials(runtime.info.account);
      if (check.ok && (await repo.markAuthOk(runtime.info.key, ctx.clock.now()))) {
        log.info({ account: runtime.info.key }, 'CleverTap accepted the credentials again: delivery resumes');
        lastRefresh = -Infinity;
      }
    })()
      .catch((err: unknown) => log.error({ account: runtime.info.key, err: (err as Error).message }, 'credential probe failed'))
      .finally(() => {
        runtime.probing = false;
      });
  }

  /** A plain read (no write lock, no transaction) telling whether an idle account has anything due. */
  async function anyDue(info: DeliveryAccount, now: number): Promise<boolean> {
    const repo = createDeliveryRepo(ctx.store.db);
    for (const stream of info.streams) if (await repo.hasReady(stream.appId, stream.target, now)) return true;
    return false;
  }

  /** Sends records claimed but not sent back to pending (stop, pause), so no lease has to run out. */
  async function unclaim(batch: ClaimedBatch): Promise<void> {
    await createDeliveryRepo(ctx.store.db).updateInFlight(
      { ids: batch.records.map((r) => r.id), set: { state: 'pending', lease_owner: null, lease_until: null, updated_at: ctx.clock.now() } },
      ctx.instanceId,
    );
  }

  /**
   * Keeps one batch claimed ahead (its users cannot move anyway while it waits) and starts a
   * request for it whenever the account has a free slot, so a freed slot is refilled at once.
   */
  async function fill(runtime: AccountRuntime, now: number): Promise<void> {
    const state = runtime.state;
    if (state?.authState === 'auth_failed') {
      if (runtime.ready) await unclaim(runtime.ready.batch);
      runtime.ready = null;
      return probe(runtime, now);
    }
    const limit = usefulLimit(runtime);
    while (!stopping) {
      if (runtime.ready === null) {
        if (now < runtime.idleUntil || runtime.toppingUp) return;
        if (!runtime.backlog && runtime.inFlight === 0 && !(await anyDue(runtime.info, now))) {
          runtime.idleUntil = ctx.clock.now() + pollMs;
          return;
        }
        const batch = await claimBatch(ctx, runtime.info, { slotLimit: null, maxRecords, maxBytes, leaseMs });
        if (batch === null || batch.records.length === 0) {
          runtime.backlog = false;
          runtime.idleUntil = ctx.clock.now() + pollMs;
          return;
        }
        const full = batch.records.length >= maxRecords;
        // Under load: a backlog of records, requests in flight, or events still waiting for
        // processing (their records are on their way).
        const underLoad = runtime.backlog || runtime.inFlight > 0 || (!full && (await createDeliveryRepo(ctx.store.db).eventsAwaitProcessing()));
        runtime.ready = { batch, claimedAt: ctx.clock.now(), full, underLoad };
        runtime.backlog = full;
      }
      const t = ctx.clock.now();
      if (runtime.inFlight >= limit || t < runtime.throttledUntil || (state?.throttledUntil ?? 0) > t) return;
      const slot = await createAccountsRepo(ctx.store.db).acquireSlot(runtime.info.key, limit, ctx.instanceId, t + leaseMs, t);
      if (slot === null) return; // every slot is taken (possibly by other instances)
      if (runtime.ready === null) {
        // An answer came in meanwhile and handed its own slot to the batch claimed ahead.
        await createAccountsRepo(ctx.store.db).releaseSlot(runtime.info.key, slot, ctx.instanceId).catch(() => undefined);
        continue;
      }
      startReady(runtime, slot);
    }
  }

  /**
   * The configured limit is a cap, not a target: when CleverTap answers within a few
   * milliseconds the work is bound by this process's CPU, and more than two requests in flight
   * only hold more batches in memory without sending faster.
   */
  function usefulLimit(runtime: AccountRuntime): number {
    const limit = effectiveLimit(runtime.state?.concurrencyLimit ?? null, ctx.config.clevertapConcurrency);
    return runtime.latencyMs >= FAST_ANSWER_MS ? limit : Math.min(limit, 2);
  }

  /** Starts a request for the batch claimed ahead, on a slot this instance holds. */
  function startReady(runtime: AccountRuntime, slot: number): void {
    const ready = runtime.ready!;
    runtime.ready = null;
    // Under load a short batch waits up to the linger for more records, so requests stay full.
    const lingerLeft = !ready.full && ready.underLoad ? Math.max(0, lingerMs - (ctx.clock.now() - ready.claimedAt)) : null;
    runtime.inFlight += 1;
    const send = run(runtime, ready.batch, slot, lingerLeft).finally(() => {
      // Its users' later records may be due now.
      runtime.idleUntil = 0;
      sends.delete(send);
      poke();
    });
    sends.add(send);
  }

  /**
   * Lets a short batch wait for more records: one top-up after the linger, and while events
   * still wait for processing, more top-ups (one per linger) until the batch is full or
   * BACKLOG_LINGER_MS passed.
   */
  async function topUp(runtime: AccountRuntime, batch: ClaimedBatch, lingerLeft: number): Promise<void> {
    const deadline = ctx.clock.now() + lingerLeft + BACKLOG_LINGER_MS;
    let wait = lingerLeft;
    runtime.toppingUp = true;
    try {
      for (;;) {
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const more = await claimBatch(ctx, runtime.info, {
          slotLimit: null,
          maxRecords: maxRecords - batch.records.length,
          maxBytes,
          used: { records: batch.records.length, bytes: batch.bytes },
          leaseMs,
        });
        if (more && more.records.length > 0) {
          batch.records.push(...more.records);
          batch.bytes = more.bytes;
        }
        if (batch.records.length >= maxRecords || stopping || ctx.clock.now() + lingerMs > deadline) return;
        if (!(await createDeliveryRepo(ctx.store.db).eventsAwaitProcessing())) return;
        wait = lingerMs;
      }
    } finally {
      runtime.toppingUp = false;
      poke();
    }
  }

  async function run(runtime: AccountRuntime, batch: ClaimedBatch, slot: number, lingerLeft: number | null): Promise<void> {
    const storedLimit = runtime.state?.concurrencyLimit ?? null;
    let slotHeld = true;
    const releaseSlot = async (outcome?: UploadOutcome): Promise<void> => {
      if (!slotHeld) return;
      slotHeld = false;
      runtime.inFlight -= 1;
      if (outcome?.httpStatus != null) runtime.latencyMs = runtime.latencyMs * 0.7 + outcome.latencyMs * 0.3;
      // The answer is in: hand the slot straight to the batch claimed ahead, without a round
      // trip to the store, unless CleverTap pushed back or the limit dropped below this slot.
      const limit = usefulLimit(runtime);
      const pushedBack = outcome === undefined || outcome.kind === 'throttled' || outcome.kind === 'auth_failed';
      if (!pushedBack && !stopping && runtime.ready !== null && slot < limit && runtime.state?.authState !== 'auth_failed') {
        startReady(runtime, slot);
        return;
      }
      await createAccountsRepo(ctx.store.db)
        .releaseSlot(runtime.info.key, slot, ctx.instanceId)
        .catch(() => undefined);
      poke();
    };
    try {
      if (lingerLeft !== null) await topUp(runtime, batch, lingerLeft);
      const result = await sendBatch(
        {
          ctx,
          client,
          account: runtime.info,
          storedLimit,
          random,
          metrics,
          onThrottled(until) {
            runtime.throttledUntil = until;
          },
          // The slot bounds requests in flight: free it as soon as the answer is in, before the bookkeeping.
          onAnswered: releaseSlot,
        },
        batch.records,
      );
      if (result.effect === 'auth_failed') {
        runtime.state = runtime.state ? { ...runtime.state, authState: 'auth_failed', nextProbeAt: ctx.clock.now() + PROBE_INTERVAL_MS } : runtime.state;
        lastRefresh = -Infinity;
      } else if (result.effect === 'throttled') {
        lastRefresh = -Infinity;
      }
    } catch (err) {
      // Handed back to pending by the loop as soon as the store answers (they may go out twice).
      log.error({ account: runtime.info.key, err: (err as Error).message }, 'delivery batch failed; its records go back to pending');
      orphans.push(batch);
    } finally {
      await releaseSlot();
    }
  }

  const loop = (async () => {
    while (!stopping) {
      try {
        const now = ctx.clock.now();
        await housekeeping(now);
        for (const runtime of accounts.values()) {
          if (stopping) break;
          await fill(runtime, now);
        }
      } catch (err) {
        log.error({ err: (err as Error).message }, 'delivery loop error; retrying');
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      if (!stopping) await sleep(pollMs);
    }
  })();

  return {
    name: 'delivery',
    async stop() {
      stopping = true;
      poke();
      await loop;
      for (const runtime of accounts.values()) {
        if (runtime.ready) await unclaim(runtime.ready.batch).catch(() => undefined);
        runtime.ready = null;
      }
      await Promise.allSettled([...sends]);
      if (ownClient) await client.close();
    },
  };
}
