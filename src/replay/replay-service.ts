import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { buildEventRow } from '../ingest/build-event-row.js';
import type { CandidateFilter, ReplayCandidate, ReplayRepo } from '../store/repos/replay-repo.js';
import { decideReplay, EVENT_STATUSES, QUEUED_STATUS } from './replay-policy.js';

/** Events handled per transaction by a bulk replay: keeps each transaction short. */
export const REPLAY_BATCH_SIZE = 500;

/** Reason kept on a quarantined event whose payload turns out to repeat an event already stored. */
export const DUPLICATE_REASON = 'duplicate';

/** The outcome of replaying one event. */
export type ReplayOutcome =
  | { kind: 'requeued' }
  | { kind: 'already_queued' }
  | { kind: 'needs_force'; status: string }
  | { kind: 'still_quarantined'; reason: string }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'changed' };

export interface ReplayFilter {
  /** Statuses to replay; default `["failed"]`. */
  status?: string[] | undefined;
  eventNames?: string[] | undefined;
  /** `received_at` bounds, RFC 3339 strings, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** A `user_id` or `anonymous_user_id` (as the event log's `userKey` filter). */
  userKey?: string | undefined;
  environment?: string | undefined;
  /** Only these events (Purchasely's `event_id`s, or quarantined `q_…` ids). */
  eventIds?: string[] | undefined;
  force?: boolean | undefined;
}

async function requireApp(ctx: AppContext, appId: string): Promise<void> {
  if (!(await ctx.store.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
}

/**
 * Replays one stored event: in one transaction, its status goes back to `received` so that
 * processing writes a new generation of records from the user's current snapshot (the old
 * records stay for the history). A quarantined event is parsed again first. Delivered,
 * pending and held events need `force` (409 otherwise); an event already `received` is a
 * no-op answered `{requeued: 0}`.
 */
export async function replayEvent(ctx: AppContext, appId: string, eventId: string, opts: { force?: boolean } = {}): Promise<{ requeued: number }> {
  await requireApp(ctx, appId);
  const outcome = await ctx.store.transaction(async (tx) => {
    const event = await tx.replay.findEvent(appId, eventId);
    if (!event) return null;
    return replayOne(tx.replay, appId, event, opts.force ?? false);
  });
  if (outcome === null) throw new AppError('not_found', `No event ${eventId} in app ${appId}.`);
  switch (outcome.kind) {
    case 'requeued':
      return { requeued: 1 };
    case 'already_queued':
      return { requeued: 0 };
    case 'needs_force':
      throw new AppError('conflict', `Event ${eventId} is ${outcome.status}: replaying it sends it to CleverTap again. Pass force=true to replay it anyway.`);
    case 'still_quarantined':
      throw new AppError('validation_failed', `The stored payload of event ${eventId} is still not usable (${outcome.reason}); it stays quarantined.`, [
        { path: '/rawBody', message: outcome.reason },
      ]);
    case 'duplicate':
      throw new AppError('conflict', `The stored payload of event ${eventId} repeats event ${outcome.eventId}, already stored: it was counted as a duplicate.`);
    case 'changed':
      throw new AppError('conflict', `Event ${eventId} changed while it was being replayed; try again.`);
  }
}

/** Replays one event inside the caller's transaction. */
async function replayOne(replay: ReplayRepo, appId: string, event: ReplayCandidate, force: boolean): Promise<ReplayOutcome> {
  const decision = decideReplay(event.status, force);
  if (decision === 'already_queued') return { kind: 'already_queued' };
  if (decision === 'needs_force') return { kind: 'needs_force', status: event.status };
  if (decision === 'requeue') {
    return (await replay.requeueEvents([event.seq], [event.status])) === 1 ? { kind: 'requeued' } : { kind: 'changed' };
  }
  return reparseQuarantined(replay, appId, event);
}

/**
 * A quarantined payload may parse now (the parser learnt something, or it was quarantined by
 * a bug). It then takes its real `event_id` — unless another stored event already has it, in
 * which case this copy was a retry: counted on the original, kept quarantined as `duplicate`.
 */
async function reparseQuarantined(replay: ReplayRepo, appId: string, event: ReplayCandidate): Promise<ReplayOutcome> {
  if (event.rawBody === null) return { kind: 'still_quarantined', reason: event.reason ?? 'payload_erased' };
  // The webhook's own row builder: the same parsing and quarantine rules as on arrival.
  const row = buildEventRow(appId, event.rawBody, 0);
  if (row.status !== 'received') {
    const reason = row.reason ?? 'quarantined';
    if (reason !== event.reason) await replay.setQuarantineReason(event.seq, reason);
    return { kind: 'still_quarantined', reason };
  }
  const original = await replay.findOtherEventSeq(appId, row.eventId, event.seq);
  if (original !== null) {
    // Count the duplicate once, not on every replay attempt.
    if (event.reason !== DUPLICATE_REASON) {
      await replay.countDuplicate(original);
      await replay.setQuarantineReason(event.seq, DUPLICATE_REASON);
    }
    return { kind: 'duplicate', eventId: row.eventId };
  }
  return (await replay.requeueParsedQuarantined(event.seq, row)) === 1 ? { kind: 'requeued' } : { kind: 'changed' };
}

function parseTime(field: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new AppError('validation_failed', 'The request is not valid: see details.', [{ path: `/${field}`, message: 'must be an RFC 3339 date-time' }]);
  return ms;
}

/** Checks a bulk filter; throws 422 `validation_failed` listing every problem. */
export function checkReplayFilter(filter: ReplayFilter): { statuses: string[]; fromMs: number | undefined; toMs: number | undefined } {
  const statuses = filter.status ?? ['failed'];
  const details = statuses
    .map((s, i) => (EVENT_STATUSES.includes(s) ? null : { path: `/status/${i}`, message: `must be one of ${EVENT_STATUSES.join(', ')}` }))
    .filter((d): d is { path: string; message: string } => d !== null);
  let fromMs: number | undefined;
  let toMs: number | undefined;
  for (const [field, text] of [
    ['from', filter.from],
    ['to', filter.to],
  ] as const) {
    try {
      const ms = parseTime(field, text);
      if (field === 'from') fromMs = ms;
      else toMs = ms;
    } catch (err) {
      details.push(...((err as AppError).details ?? []));
    }
  }
  if (details.length > 0) throw new AppError('validation_failed', 'The request is not valid: see details.', details);
  return { statuses, fromMs, toMs };
}

/** The events a bulk replay reads under `filter`: statuses that can never be requeued under its options are left out. */
async function candidateFilter(ctx: AppContext, appId: string, filter: ReplayFilter): Promise<CandidateFilter> {
  const { statuses, fromMs, toMs } = checkReplayFilter(filter);
  await requireApp(ctx, appId);
  const force = filter.force ?? false;
  const wanted = [...new Set(statuses)].filter((s) => s !== QUEUED_STATUS && decideReplay(s, force) !== 'needs_force');
  return {
    appId,
    statuses: wanted,
    eventNames: filter.eventNames,
    eventIds: filter.eventIds,
    userKey: filter.userKey,
    environment: filter.environment,
    fromMs,
    toMs,
  };
}

/**
 * How many events a bulk replay with this filter would put back in the queue, changing nothing
 * (`"countOnly": true`): the dashboard shows it in its confirmation. Quarantined payloads are
 * counted although one that still does not parse will stay quarantined.
 */
export async function countReplayable(ctx: AppContext, appId: string, filter: ReplayFilter = {}): Promise<{ count: number }> {
  return { count: await ctx.store.replay.countCandidates(await candidateFilter(ctx, appId, filter)) };
}

/**
 * Replays every event of the app matching the filter, page by page (one transaction per
 * page of {@link REPLAY_BATCH_SIZE}). Events that need `force` without it, quarantined payloads
 * that still do not parse or turn out to be duplicates, and events already queued are not
 * counted. Returns how many were put back in the queue.
 */
export async function replayEvents(ctx: AppContext, appId: string, filter: ReplayFilter = {}, opts: { batchSize?: number } = {}): Promise<{ requeued: number }> {
  const candidates = await candidateFilter(ctx, appId, filter);
  const batchSize = opts.batchSize ?? REPLAY_BATCH_SIZE;
  let afterSeq = 0;
  let requeued = 0;
  for (;;) {
    const page = await ctx.store.replay.listCandidates(candidates, afterSeq, batchSize);
    if (page.length === 0) break;
    afterSeq = page[page.length - 1]!.seq;
    requeued += await ctx.store.transaction(async (tx) => {
      let moved = 0;
      const plain = page.filter((e) => e.status !== 'quarantined');
      // Grouped by the status each was read in, so the compare-and-set stays exact.
      for (const status of new Set(plain.map((e) => e.status))) {
        moved += await tx.replay.requeueEvents(
          plain.filter((e) => e.status === status).map((e) => e.seq),
          [status],
        );
      }
      for (const event of page.filter((e) => e.status === 'quarantined')) {
        if ((await reparseQuarantined(tx.replay, appId, event)).kind === 'requeued') moved += 1;
      }
      return moved;
    });
    if (page.length < batchSize) break;
  }
  return { requeued };
}
