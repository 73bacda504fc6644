/**
 * The delivery engine's loop (SPEC §5), one per process in the `all` and `worker` roles.
 *
 * For each CleverTap account it keeps up to the account's concurrency limit of requests in
 * flight — a limit shared by every instance through `account_slots` leases, halved on 429 and
 * recovered gradually — and, for each of them, the next batch already claimed and built, so an
 * answer is followed by the next request at once. The stages: housekeeping.ts (accounts, leases,
 * reclaims, probes), dispatch.ts (claims ahead, requests, slots), send-batch.ts (one request and
 * its bookkeeping), with the state of each account in account-runtime.ts. A wake-up from the
 * store (records written, a hold released, an account resumed, credentials changed) runs the
 * loop at once; the poll catches what other processes write without one.
 */
import { createUploadClient, MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, type UploadClient } from '../clevertap/upload-client.js';
import { setTimerOn, sleepOn } from '../clock.js';
import type { AppContext } from '../context.js';
import type { BackgroundWorker } from '../context.js';
import { claimBatches } from './claim-batch.js';
import { startClaimThread } from './claim-thread.js';
import { createDeliveryMetrics } from './delivery-metrics.js';
import { fill } from './dispatch.js';
import type { DeliveryEngine } from './engine.js';
import { housekeeping, releaseReady } from './housekeeping.js';

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
  /**
   * Claim in a worker thread of its own (SQLite file stores only; see `startClaimThread`). Off:
   * on this event loop, with this context's clock.
   */
  claimThread?: boolean;
}

/** Starts the delivery loop. */
export function createDeliveryWorker(ctx: AppContext, opts: DeliveryWorkerOptions = {}): BackgroundWorker {
  const ownClient = opts.client === undefined;
  const client =
    opts.client ??
    createUploadClient({
      timeoutMs: ctx.config.clevertapTimeoutMs,
      ...(ctx.config.clevertapBaseUrl !== null ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
    });
  const pause = createPause(ctx);
  const claimThread = opts.claimThread === true ? startClaimThread(ctx) : null;
  const engine: DeliveryEngine = {
    ctx,
    client,
    metrics: createDeliveryMetrics(ctx.metrics.registry, ctx.store),
    log: ctx.logger.child({ worker: 'delivery' }),
    tuning: {
      maxRecords: Math.min(opts.maxBatchRecords ?? MAX_RECORDS_PER_REQUEST, MAX_RECORDS_PER_REQUEST),
      maxBytes: Math.min(opts.maxBatchBytes ?? MAX_REQUEST_BYTES, MAX_REQUEST_BYTES),
      lingerMs: opts.lingerMs ?? 100,
      leaseMs: opts.leaseMs ?? 10_000,
      pollMs: opts.pollMs ?? 200,
      refreshMs: opts.refreshMs ?? 1000,
    },
    random: opts.random ?? Math.random,
    accounts: new Map(),
    knownAccountKeys: new Set(),
    sends: new Set(),
    orphans: [],
    times: { lastRefresh: -Infinity, lastReclaim: -Infinity, lastRenew: ctx.clock.now() },
    claim: claimThread ? claimThread.claim : (account, claimOpts) => claimBatches(ctx, account, claimOpts),
    stopping: false,
    poke: pause.poke,
  };
  // Something may be ready to send: look at every account now rather than at its next poll,
  // after re-reading the accounts when one of them changed (a resume, new credentials).
  const unsubscribe = ctx.store.delivery.onWake((what) => {
    if (what === 'accounts') engine.times.lastRefresh = -Infinity;
    for (const runtime of engine.accounts.values()) {
      runtime.idleUntil = 0;
      runtime.woken = true;
    }
    pause.poke();
  });
  const loop = runLoop(engine, pause);

  return {
    name: 'delivery',
    async stop() {
      engine.stopping = true;
      unsubscribe();
      pause.poke();
      await loop;
      for (const runtime of engine.accounts.values()) await releaseReady(engine, runtime).catch(() => undefined);
      await Promise.allSettled([...engine.sends]);
      await claimThread?.stop();
      if (ownClient) await client.close();
    },
  };
}

/** The loop: housekeeping, then each account's dispatch; sleeps until poked or the poll. */
async function runLoop(engine: DeliveryEngine, pause: Pause): Promise<void> {
  const { ctx, tuning } = engine;
  while (!engine.stopping) {
    try {
      await housekeeping(engine, ctx.clock.now());
      for (const runtime of engine.accounts.values()) {
        if (engine.stopping) break;
        await fill(engine, runtime);
      }
    } catch (err) {
      engine.log.error({ err: (err as Error).message }, 'delivery loop error; retrying');
      await sleepOn(ctx.clock, tuning.pollMs);
    }
    if (!engine.stopping) await pause.sleep(tuning.pollMs);
  }
}

interface Pause {
  /** Waits `ms`, or less when poked; returns at once when a poke came while the loop was busy. */
  sleep(ms: number): Promise<void>;
  poke(): void;
}

function createPause(ctx: AppContext): Pause {
  let wake: (() => void) | null = null;
  let poked = false;
  return {
    poke() {
      const w = wake;
      wake = null;
      if (w) w();
      else poked = true;
    },
    sleep(ms) {
      return new Promise((resolve) => {
        if (poked) {
          poked = false;
          resolve();
          return;
        }
        const cancel = setTimerOn(
          ctx.clock,
          () => {
            wake = null;
            resolve();
          },
          ms,
        );
        wake = () => {
          cancel();
          resolve();
        };
      });
    },
  };
}
