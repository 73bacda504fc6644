/**
 * What one upload's answer means for each record it carried (SPEC §5), as a pure function of
 * the records and the classified {@link UploadOutcome}. The worker applies the plan to the
 * store; nothing here does I/O.
 */
import type { UploadOutcome } from '../clevertap/upload-client.js';
import { nextRetryDelay } from './retry-policy.js';

/** The facts about a sent record that decide its fate. */
export interface PlannedRecord {
  id: number;
  userKey: string;
  /** Attempts used before this send. */
  attempts: number;
}

/** A record's next state. `retry` uses up an attempt; `requeue` does not (429, 401/403, split leftovers). */
export type RecordFate =
  | { id: number; fate: 'delivered' }
  | { id: number; fate: 'failed'; attempts: number; code: number | null; message: string }
  | { id: number; fate: 'retry'; attempts: number; delayMs: number; code: number | null; message: string };

/** What the account's sender does next. */
export type AccountEffect = 'none' | 'success' | 'throttled' | 'auth_failed';

export interface OutcomePlan {
  /** Per-record fates; empty when the whole batch goes back untouched (`requeueAll`) or is split. */
  fates: RecordFate[];
  /** 429 or 401/403: every record back to pending, no attempt used. */
  requeueAll: boolean;
  /** 400 for a batch of several records: send each half again to isolate the bad ones. */
  split: boolean;
  account: AccountEffect;
  /** Users whose later record was stored while an earlier one got 555 (the one accepted order break). */
  orderBrokenFor: string[];
}

/** Plans the records' fates for one outcome. `random` feeds the retry jitter. */
export function planOutcome(records: readonly PlannedRecord[], outcome: UploadOutcome, scheduleMs: readonly number[], random: () => number = Math.random): OutcomePlan {
  const plan: OutcomePlan = { fates: [], requeueAll: false, split: false, account: 'none', orderBrokenFor: [] };
  // One jittered delay per attempt count and batch: records sent together come back together
  // (one UPDATE, one batch), while different batches still spread out.
  const delays = new Map<number, number | null>();
  const retryOrFail = (r: PlannedRecord, code: number | null, message: string): RecordFate => {
    const attempts = r.attempts + 1;
    if (!delays.has(attempts)) delays.set(attempts, nextRetryDelay(attempts, scheduleMs, random));
    const delayMs = delays.get(attempts) ?? null;
    return delayMs === null
      ? { id: r.id, fate: 'failed', attempts, code, message: `${message} (gave up after ${attempts} attempts)` }
      : { id: r.id, fate: 'retry', attempts, delayMs, code, message };
  };

  switch (outcome.kind) {
    case 'success':
      plan.account = 'success';
      plan.fates = records.map((r) => ({ id: r.id, fate: 'delivered' }));
      return plan;
    case 'throttled':
      plan.account = 'throttled';
      plan.requeueAll = true;
      return plan;
    case 'auth_failed':
      plan.account = 'auth_failed';
      plan.requeueAll = true;
      return plan;
    case 'retryable':
      plan.fates = records.map((r) => retryOrFail(r, outcome.httpStatus, outcome.message));
      return plan;
    case 'bad_request':
      if (records.length > 1) {
        plan.split = true;
        return plan;
      }
      plan.fates = records.map((r) => ({
        id: r.id,
        fate: 'failed',
        attempts: r.attempts + 1,
        code: outcome.httpStatus ?? 400,
        message: outcome.message,
      }));
      return plan;
    case 'partial': {
      plan.account = 'success';
      const failures = new Map(outcome.failures.map((f) => [f.index, f]));
      const retriedUsers = new Set<string>();
      const broken = new Set<string>();
      records.forEach((r, index) => {
        const failure = failures.get(index);
        if (failure === undefined) {
          if (retriedUsers.has(r.userKey)) broken.add(r.userKey);
          plan.fates.push({ id: r.id, fate: 'delivered' });
        } else if (failure.retryable) {
          retriedUsers.add(r.userKey);
          plan.fates.push(retryOrFail(r, failure.code, failure.message));
        } else {
          plan.fates.push({ id: r.id, fate: 'failed', attempts: r.attempts + 1, code: failure.code, message: failure.message });
        }
      });
      plan.orderBrokenFor = [...broken];
      return plan;
    }
  }
}
