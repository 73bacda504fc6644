/**
 * What this instance knows and holds for one CleverTap account: its shared state as last read,
 * the slots it holds (requests in flight), the batches claimed ahead of a slot, and its own
 * pacing (idle, 429 rest, answer time). Plain data with pure helpers: the loop and the
 * requests change it, nothing here does I/O.
 */
import type { AccountState } from '../store/repos/accounts-repo.js';
import type { DeliveryAccount } from './account-directory.js';
import type { ClaimedBatch } from './claim-batch.js';
import { effectiveLimit } from './concurrency-limit.js';

/** Answers faster than this (moving average) mean the CPU, not CleverTap, sets the pace. */
export const FAST_ANSWER_MS = 100;

/** A batch claimed and built, waiting for a slot. */
export interface ReadyBatch {
  batch: ClaimedBatch;
  claimedAt: number;
  full: boolean;
  /** Claimed under load (a backlog, requests in flight, or records on their way): a short batch may linger. */
  underLoad: boolean;
}

export interface AccountRuntime {
  info: DeliveryAccount;
  state: AccountState | null;
  /** Slots this instance holds for the account (requests in flight or about to leave). */
  inFlight: number;
  /** Batches claimed ahead, oldest first: an answer hands its slot to the first at once. */
  ready: ReadyBatch[];
  /** The last slot asked for was free: one more batch is worth claiming ahead. */
  slotsFree: boolean;
  /** Nothing was due at the last claim: skip until then. */
  idleUntil: number;
  /** A wake-up said records may be ready: the next claim skips the cheap "anything due?" read. */
  woken: boolean;
  /** This instance's 429 back-off. */
  throttledUntil: number;
  /** The last claim filled a whole batch: a backlog exists, so short batches linger. */
  backlog: boolean;
  /** Moving average of CleverTap's answer time for this account, in ms. */
  latencyMs: number;
  /** A short batch of this instance is topping up: it takes the new records, so no other batch is claimed meanwhile. */
  toppingUp: boolean;
  probing: boolean;
}

export function createAccountRuntime(info: DeliveryAccount): AccountRuntime {
  return {
    info,
    state: null,
    inFlight: 0,
    ready: [],
    slotsFree: false,
    idleUntil: 0,
    woken: false,
    throttledUntil: 0,
    backlog: false,
    latencyMs: FAST_ANSWER_MS,
    toppingUp: false,
    probing: false,
  };
}

/** CleverTap refused the account's credentials: nothing leaves until they change, a resume or a probe. */
export function isPaused(runtime: AccountRuntime): boolean {
  return runtime.state?.authState === 'auth_failed';
}

/** A 429 back-off (this instance's or the shared one) is running. */
export function isResting(runtime: AccountRuntime, now: number): boolean {
  return now < runtime.throttledUntil || (runtime.state?.throttledUntil ?? 0) > now;
}

/**
 * Requests worth having in flight. The configured limit is a cap, not a target: when CleverTap
 * answers within a few milliseconds the work is bound by this process's CPU, and more than two
 * requests in flight only hold more batches in memory without sending faster.
 */
export function usefulLimit(runtime: AccountRuntime, configured: number): number {
  const limit = effectiveLimit(runtime.state?.concurrencyLimit ?? null, configured);
  return runtime.latencyMs >= FAST_ANSWER_MS ? limit : Math.min(limit, 2);
}

/**
 * Batches to hold claimed ahead: one per request in flight (its slot's next batch), one more
 * while the last slot asked for was free (the next request); at least one, so a freed slot
 * never waits for a claim. Never more than the limit: instances sharing an account's slots
 * each hold only what their own slots can send.
 */
export function batchesWanted(runtime: AccountRuntime, limit: number): number {
  if (isPaused(runtime)) return 0;
  return Math.min(limit, Math.max(1, runtime.inFlight + (runtime.slotsFree ? 1 : 0)));
}
