/**
 * The state one delivery engine shares between its stages (the loop in delivery-worker.ts,
 * dispatch.ts, housekeeping.ts), passed to each explicitly.
 */
import type { UploadClient } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import type { Logger } from '../logger.js';
import type { AccountRuntime } from './account-runtime.js';
import type { ClaimAccount, ClaimedBatch, ClaimOptions } from './claim-batch.js';
import type { DeliveryMetrics } from './delivery-metrics.js';

/** Tuning of the engine; defaults follow SPEC §5. */
export interface EngineTuning {
  maxRecords: number;
  maxBytes: number;
  lingerMs: number;
  leaseMs: number;
  pollMs: number;
  refreshMs: number;
}

/** When housekeeping last did each of its jobs. */
export interface HousekeepingTimes {
  lastRefresh: number;
  lastReclaim: number;
  lastRenew: number;
}

export interface DeliveryEngine {
  readonly ctx: AppContext;
  readonly client: UploadClient;
  readonly metrics: DeliveryMetrics;
  readonly log: Logger;
  readonly tuning: EngineTuning;
  readonly random: () => number;
  readonly accounts: Map<string, AccountRuntime>;
  /** Account rows this instance made sure exist. */
  readonly knownAccountKeys: Set<string>;
  /** Requests under way (a stop waits for them). */
  readonly sends: Set<Promise<void>>;
  /**
   * Batches whose bookkeeping failed (store unreachable). Our lease renewal keeps renewing
   * their leases, so they are handed back explicitly, retried until the store answers.
   */
  readonly orphans: ClaimedBatch[];
  readonly times: HousekeepingTimes;
  /** `claimBatches` on this event loop, or in the claim thread (`claim-thread.ts`). */
  claim(account: ClaimAccount, opts: ClaimOptions): Promise<ClaimedBatch[]>;
  stopping: boolean;
  /** Runs the loop again at once (an answer came in, a wake-up arrived). */
  poke(): void;
}
