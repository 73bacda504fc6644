/**
 * Sends one claimed batch and records what happened (SPEC §5): one `attempts` row per HTTP
 * call, each record's new state, the account's reaction (429 back-off, 401/403 pause,
 * concurrency recovery), and the affected events' status and `late` flag — all in one
 * transaction per call. A 400 for several records is split in halves, sent one after the other.
 */
import type { UploadClient, UploadOutcome } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import type { SqlValue } from '../store/db.js';
import type { DeliveryRepo, RecordGroupUpdate } from '../store/repos/delivery-repo.js';
import type { DeliveryAccount } from './account-directory.js';
import type { BatchRecord } from './claim-batch.js';
import { effectiveLimit, lowerLimit, RECOVERY_WINDOW_MS } from './concurrency-limit.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { worstRecordState, type DeliveredEventStatus } from './event-status.js';
import { planOutcome, type AccountEffect, type OutcomePlan } from './plan-outcome.js';
import { throttleBackoff } from './retry-policy.js';

/** CleverTap's live campaigns ignore events older than this when they arrive. */
export const LATE_AFTER_MS = 2 * 60 * 60 * 1000;

/** Everything a send needs besides the records. */
export interface SendEnv {
  ctx: AppContext;
  client: UploadClient;
  account: DeliveryAccount;
  /** The account's stored concurrency limit when the batch was claimed (null = configured). */
  storedLimit: number | null;
  random: () => number;
  /** Set on a 429: when the account may send again. */
  onThrottled?(until: number): void;
  /** Called once CleverTap has answered the whole batch (not while a split is still sending halves). */
  onAnswered?(outcome: UploadOutcome): Promise<void>;
  /** Where calls and record fates are counted (/metrics). */
  metrics?: DeliveryMetrics;
}

/** How a batch ended for the sender loop. */
export interface SendResult {
  /** The strongest account reaction seen (auth_failed > throttled > success > none). */
  effect: AccountEffect;
  /** True when every record ended delivered or failed (nothing waits for a retry). */
  settled: boolean;
}

const EFFECT_RANK: Record<AccountEffect, number> = { none: 0, success: 1, throttled: 2, auth_failed: 3 };

/** Sends `records` (already in flight under this instance's lease) and applies the answer. */
export async function sendBatch(env: SendEnv, records: readonly BatchRecord[]): Promise<SendResult> {
  const startedAt = env.ctx.clock.now();
  const outcome = await upload(env, records);
  env.metrics?.countRequest(outcome, records.length);
  const plan = planOutcome(records, outcome, env.ctx.config.retryScheduleMs, env.random);
  if (!plan.split) await env.onAnswered?.(outcome);
  await applyOutcome(env, records, outcome, plan, startedAt);
  if (plan.orderBrokenFor.length > 0) {
    env.ctx.logger.warn(
      { account: env.account.key, users: plan.orderBrokenFor.length },
      "CleverTap answered 555 for a record whose later records of the same user were stored: that user's order is broken (retrying the refused record)",
    );
  }
  if (!plan.split) {
    return { effect: plan.account, settled: plan.fates.every((f) => f.fate !== 'retry') && !plan.requeueAll };
  }
  // A 400 for the whole request: halves, one after the other, so a user's records keep their order.
  const middle = Math.ceil(records.length / 2);
  const halves: SendEnv = { ...env, onAnswered: undefined };
  const first = await sendBatch(halves, records.slice(0, middle));
  const rest = records.slice(middle);
  if (!first.settled) {
    // Earlier records wait for a retry: the later half goes back to pending without using an
    // attempt, and the claim's ordering rule keeps it behind them.
    await requeue(env, rest, env.ctx.clock.now());
    return { ...first, settled: false };
  }
  const second = await sendBatch(halves, rest);
  return { effect: EFFECT_RANK[second.effect] > EFFECT_RANK[first.effect] ? second.effect : first.effect, settled: second.settled };
}

/** The records' JSON was joined when the batch was claimed: the call only concatenates it. */
async function upload(env: SendEnv, records: readonly BatchRecord[]): Promise<UploadOutcome> {
  return env.client.uploadJson(
    env.account.account,
    records.map((r) => r.sentJson),
  );
}

async function requeue(env: SendEnv, records: readonly BatchRecord[], nextAttemptAt: number): Promise<void> {
  if (records.length === 0) return;
  const now = env.ctx.clock.now();
  await env.ctx.store.delivery.records.updateInFlight(
    { ids: records.map((r) => r.id), set: { state: 'pending', next_attempt_at: nextAttemptAt, lease_owner: null, lease_until: null, updated_at: now } },
    env.ctx.instanceId,
  );
}

/** Groups per-record updates by their new values, so a batch takes a handful of statements. */
function groupUpdates(
  records: readonly BatchRecord[],
  plan: OutcomePlan,
  outcome: UploadOutcome,
  now: number,
  requeueAt: number,
): { groups: RecordGroupUpdate[]; late: BatchRecord[] } {
  const groups = new Map<string, RecordGroupUpdate>();
  const add = (id: number, set: Record<string, SqlValue>): void => {
    const key = JSON.stringify(set);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ids: [], set }));
    g.ids.push(id);
  };
  const byId = new Map(records.map((r) => [r.id, r]));
  const late: BatchRecord[] = [];
  const released = { lease_owner: null, lease_until: null, updated_at: now };

  if (plan.requeueAll) {
    // A refusal of the credentials is the records' last error until they go out (the events
    // list shows it); a 429 is only a pause.
    const refused: Record<string, SqlValue> = outcome.kind === 'auth_failed' ? { last_code: outcome.httpStatus, last_message: outcome.message } : {};
    for (const r of records) add(r.id, { state: 'pending', next_attempt_at: requeueAt, ...refused, ...released });
    return { groups: [...groups.values()], late };
  }
  for (const fate of plan.fates) {
    const r = byId.get(fate.id)!;
    if (fate.fate === 'delivered') {
      const isLate = r.eventCreatedAt !== null && now - r.eventCreatedAt > LATE_AFTER_MS;
      if (isLate) late.push(r);
      add(r.id, { state: 'delivered', attempts: r.attempts + 1, delivered_at: now, late: isLate ? 1 : 0, last_code: null, last_message: null, ...released });
    } else if (fate.fate === 'failed') {
      add(r.id, { state: 'failed', attempts: fate.attempts, last_code: fate.code, last_message: fate.message, ...released });
    } else {
      add(r.id, {
        state: 'pending',
        attempts: fate.attempts,
        next_attempt_at: now + fate.delayMs,
        last_code: fate.code,
        last_message: fate.message,
        ...released,
      });
    }
  }
  return { groups: [...groups.values()], late };
}

async function applyOutcome(env: SendEnv, records: readonly BatchRecord[], outcome: UploadOutcome, plan: OutcomePlan, startedAt: number): Promise<void> {
  const { ctx, account } = env;
  const now = ctx.clock.now();
  // After a 429 the records rest as long as the account does; after 401/403 the pause holds them.
  const requeueAt = outcome.kind === 'throttled' ? now + throttleBackoff(ctx.config.retryScheduleMs, env.random) : now;
  if (outcome.kind === 'throttled') env.onThrottled?.(requeueAt);
  const { groups, late } = plan.split ? { groups: [], late: [] } : groupUpdates(records, plan, outcome, now, requeueAt);
  await ctx.store.delivery.tx(async (tx) => {
    await tx.attempts.insert(
      {
        appId: records[0]!.appId,
        accountKey: account.key,
        startedAt,
        latencyMs: outcome.latencyMs,
        httpStatus: outcome.httpStatus,
        outcome: outcome.kind,
        responseText: outcome.responseBody !== '' ? outcome.responseBody : 'message' in outcome ? outcome.message : null,
        recordCount: records.length,
      },
      records.map((r) => r.id),
    );
    if (plan.split) return;
    for (const g of groups) await tx.records.updateInFlight(g, ctx.instanceId);
    // CleverTap refused a profile for good: its user's next event must send the whole profile.
    const failed = plan.fates.filter((f) => f.fate === 'failed').map((f) => f.id);
    if (failed.length > 0) await tx.forgetSentProfiles(failed);
    const accounts = tx.accounts;
    const configured = ctx.config.clevertapConcurrency;
    if (plan.account === 'success') {
      await accounts.raiseLimit(account.key, configured, now - RECOVERY_WINDOW_MS, now);
    } else if (plan.account === 'throttled') {
      await accounts.throttle(account.key, lowerLimit(effectiveLimit(env.storedLimit, configured)), requeueAt, now);
    } else if (plan.account === 'auth_failed') {
      await accounts.markAuthFailed(account.key, account.credentialsDigest, now, now + PROBE_INTERVAL_MS);
    }
    await recomputeEvents(
      tx.records,
      records.map((r) => r.eventSeq),
      late.map((r) => r.eventSeq),
    );
  });
  if (!plan.split) env.metrics?.countFates(plan.fates, deliveredLatencies(records, plan, now));
  if (plan.account === 'auth_failed') {
    // The other instances sending to this account learn of the pause now (on PostgreSQL through
    // NOTIFY), not at their next accounts refresh: until then each would claim and send a batch
    // CleverTap refuses again.
    ctx.store.delivery.wake('accounts');
    ctx.logger.warn(
      { account: account.key, httpStatus: outcome.httpStatus },
      'CleverTap refused the credentials: delivery to this account is paused until they change, resume is called or a probe succeeds',
    );
  }
}

/** For each delivered record whose event is still stored, the ms from the event's receipt to `deliveredAt`. */
function deliveredLatencies(records: readonly BatchRecord[], plan: OutcomePlan, deliveredAt: number): number[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const out: number[] = [];
  for (const fate of plan.fates) {
    const receivedAt = fate.fate === 'delivered' ? byId.get(fate.id)?.eventReceivedAt : null;
    if (receivedAt !== null && receivedAt !== undefined) out.push(deliveredAt - receivedAt);
  }
  return out;
}

/** How often a paused account's credentials are checked again. */
export const PROBE_INTERVAL_MS = 10 * 60 * 1000;

/** Recomputes `events.status` (worst state of the latest generation) and `late` for these events. */
export async function recomputeEvents(repo: DeliveryRepo, eventSeqs: readonly number[], lateSeqs: readonly number[] = []): Promise<void> {
  const seqs = [...new Set(eventSeqs)];
  const rows = await repo.recordStates(seqs);
  const byEvent = new Map<number, { generation: number; state: string }[]>();
  for (const row of rows) {
    const seq = Number(row.event_seq);
    let list = byEvent.get(seq);
    if (!list) byEvent.set(seq, (list = []));
    list.push(row);
  }
  const byStatus = new Map<DeliveredEventStatus, number[]>();
  for (const [seq, list] of byEvent) {
    const status = worstRecordState(list);
    if (status === null) continue;
    let group = byStatus.get(status);
    if (!group) byStatus.set(status, (group = []));
    group.push(seq);
  }
  for (const [status, group] of byStatus) await repo.setEventStatus(group, status);
  if (lateSeqs.length > 0) await repo.markEventsLate([...new Set(lateSeqs)]);
}
