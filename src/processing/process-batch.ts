import { performance } from 'node:perf_hooks';
import type { AppContext } from '../context.js';
import { planEvent, type ProfileChange } from '../mapping/index.js';
import { parsePurchaselyEvent, type ParsedEvent } from '../purchasely/payload.js';
import type { IntegrationSettings } from '../settings/index.js';
import { compareEventKeys, computeUserProperties, eventKeyOf, foldEvent, subscriptionIdOf, type FoldEventResult, type SubscriptionState, type UserState } from '../state/index.js';
import { eventStatusOf, type EventStatusUpdate, type NewRecord } from '../store/repos/outbox-repo.js';
import type { ReceivedEvent } from '../store/repos/processing-repo.js';
import { isStoreUnavailable, type Repos } from '../store/store.js';
import { createBatchState, type BatchState, type Scope } from './batch-state.js';
import { createClevertapIdCache, type ClevertapIdCache } from './clevertap-id-cache.js';
import { holdForMs, readIntegrationSettings } from './integration-settings.js';
import { initialRecordState, transferIdsOf, userIdsOf } from './record-identity.js';

/** What one call of processBatch did. */
export interface ProcessBatchResult {
  /** Events taken out of `received` (processed, skipped or quarantined). */
  processed: number;
  /** Records written to the outbox. */
  records: number;
  /** True when another instance holds the processing lock (nothing was done). */
  busy: boolean;
}

export interface ProcessBatchOptions {
  /** Events per transaction. */
  limit: number;
  /**
   * Stop taking further events of the batch once this much time (ms) went by; the rest stay
   * `received` for the next batch. SQLite runs a transaction synchronously and every webhook
   * insert waits for it, so a bound here bounds what processing adds to a webhook's latency.
   */
  budgetMs?: number;
}

type Parsed = { row: ReceivedEvent; ev: ParsedEvent };

const YIELD_EVERY_MS = 10;

/**
 * Processes the oldest `received` events (SPEC §4), all in ONE transaction: folds each into
 * its user's and subscription's state, derives the affected users' properties, plans the
 * CleverTap records and writes them to the outbox, and sets each event's status. Events are
 * taken in `seq` order across the whole store, so each user's events are folded and their
 * records written in the order they were received.
 *
 * Idempotent under interruption: nothing is visible until the commit, and a crashed batch is
 * taken again whole. A replayed event (set back to `received`) gets a new generation of
 * records carrying the user's current snapshot; its older records stay.
 *
 * One event fails only itself: when the batch fails because of one event (see
 * `failureClassOf`), that event is found, the batch runs again without it, and it is
 * `quarantined` with reason `processing_error`. On PostgreSQL a failed statement aborts the
 * whole transaction, so the batch is re-run rather than caught around: an event whose own code
 * throws is known at once; a failure in the batch's shared SQL (loading, the multi-row writes)
 * is traced to its event by bisecting the batch in transactions that are rolled back. All of it
 * happens only after a failure: the common path has no savepoint and no extra statement.
 */
export async function processBatch(ctx: Pick<AppContext, 'store' | 'clock' | 'logger'>, opts: ProcessBatchOptions): Promise<ProcessBatchResult> {
  const quarantined = new Set<number>();
  let limit = opts.limit;
  for (;;) {
    const attempt = await runBatch(ctx, limit, opts.budgetMs, quarantined, false);
    if (attempt.ok) return attempt.result;
    const culprit = await findCulprit(ctx, attempt, quarantined);
    quarantined.add(culprit.row.seq);
    ctx.logger.error({ err: culprit.err, eventId: culprit.row.eventId, appId: culprit.row.appId }, 'processing an event failed: the event is quarantined (processing_error)');
    // Many failing events in one batch: commit up to the latest culprit now (the events before
    // it went through) and leave the rest to the next call, so one call stays bounded.
    if (quarantined.size >= MAX_CULPRITS_PER_CALL) limit = Math.min(limit, culprit.position);
  }
}

/** Culprits searched for in one call before it settles for the events up to the last one. */
const MAX_CULPRITS_PER_CALL = 4;

/** How one transaction over the batch ended. */
type Attempt =
  | { ok: true; result: ProcessBatchResult }
  | {
      ok: false;
      err: unknown;
      /** The events the attempt had taken when it failed, in order. */
      taken: ReceivedEvent[];
      /** The event whose own processing threw, when the failure happened there. */
      failedEvent: ReceivedEvent | null;
    };

/** Thrown to roll back a probing transaction that succeeded. */
class ProbeSucceeded extends Error {
  constructor(readonly result: ProcessBatchResult) {
    super('probe succeeded');
  }
}

/**
 * One transaction over the first `limit` received events: the events in `quarantined` are only
 * marked so; a `probe` is rolled back even when it succeeds (it tells whether the batch can
 * commit, without committing it).
 */
async function runBatch(
  ctx: Pick<AppContext, 'store' | 'clock' | 'logger'>,
  limit: number,
  budgetMs: number | undefined,
  quarantined: ReadonlySet<number>,
  probe: boolean,
): Promise<Attempt> {
  let taken: ReceivedEvent[] = [];
  let failedEvent: ReceivedEvent | null = null;
  try {
    // Everything written here is derived from durable events and redone if lost, so the commit
    // need not wait for an fsync (it still survives a process crash). Background work: on SQLite
    // writers waiting in other threads (webhooks, delivery, the API) go first.
    const { yieldsWithinTransaction } = ctx.store.processingPacing;
    const result = await ctx.store.transaction(
      async (tx): Promise<ProcessBatchResult> => {
        const repo = tx.processing;
        if (!(await repo.tryLockProcessing())) return { processed: 0, records: 0, busy: true };
        const rows = await repo.nextReceivedEvents(limit);
        taken = rows;
        if (rows.length === 0) return { processed: 0, records: 0, busy: false };
        const now = ctx.clock.now();
        const run = await createRun(tx, quarantined.size === 0 ? rows : rows.filter((r) => !quarantined.has(r.seq)), ctx);

        const startedAt = performance.now();
        let yieldedAt = startedAt;
        const updates: EventStatusUpdate[] = [];
        const records: NewRecord[] = [];
        const notes: { seq: number; note: string }[] = [];
        for (const row of rows) {
          // At least one event per batch, so processing always moves on.
          if (budgetMs !== undefined && updates.length > 0 && performance.now() - startedAt > budgetMs) break;
          // Folding runs on cached state without I/O; on PostgreSQL (where nobody waits for this
          // transaction) let HTTP requests in every few milliseconds. SQLite's writers wait for the
          // commit anyway, so there only the budget helps.
          if (yieldsWithinTransaction && performance.now() - yieldedAt > YIELD_EVERY_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            yieldedAt = performance.now();
          }
          if (quarantined.has(row.seq)) {
            updates.push({ seq: row.seq, status: 'quarantined', reason: 'processing_error' });
            continue;
          }
          const parsed = run.parsed.get(row.seq);
          if (parsed === undefined) {
            updates.push(unusable(row));
            continue;
          }
          try {
            const outcome = await processEvent(run, parsed, now);
            updates.push(outcome.update);
            records.push(...outcome.records);
            if (outcome.note !== null) notes.push({ seq: row.seq, note: outcome.note });
          } catch (err) {
            // The folded state of the batch may hold half of this event: roll everything back,
            // and run the batch again without it.
            failedEvent = row;
            throw err;
          }
        }
        taken = rows.slice(0, updates.length);
        await run.state.flush();
        await tx.outbox.insertRecords(records, now);
        await repo.markProcessed(updates, now);
        if (notes.length > 0) await repo.setEventNotes(notes);
        const result = { processed: updates.length, records: records.length, busy: false };
        if (probe) throw new ProbeSucceeded(result);
        return result;
      },
      { durable: false, background: true },
    );
    return { ok: true, result };
  } catch (err) {
    if (err instanceof ProbeSucceeded) return { ok: true, result: err.result };
    return { ok: false, err, taken, failedEvent };
  }
}

/**
 * The event that made `failed` fail, or throws the failure when it is not one event's (the
 * store is unavailable, the schema or the code is wrong for every event: the batch is then
 * retried as a whole later, and nothing is quarantined for it). When the failure is not tied to
 * an event yet, bisects: the shortest prefix of the batch that still fails ends with the
 * culprit (an event fails the same way whatever precedes it).
 */
async function findCulprit(
  ctx: Pick<AppContext, 'store' | 'clock' | 'logger'>,
  failed: Extract<Attempt, { ok: false }>,
  quarantined: ReadonlySet<number>,
): Promise<{ row: ReceivedEvent; err: unknown; position: number }> {
  let failure = failed;
  search: for (;;) {
    if (failureClassOf(failure.err) !== 'event') throw failure.err;
    const thrower = failure.failedEvent;
    if (thrower !== null) return { row: thrower, err: failure.err, position: Math.max(1, failure.taken.findIndex((r) => r.seq === thrower.seq) + 1) };
    // Invariant: the first `lo` events commit (none is assumed for lo = 0); the first `hi` do not.
    let lo = 0;
    let failing = failure;
    while (failing.taken.length - lo > 1) {
      const mid = lo + Math.floor((failing.taken.length - lo) / 2);
      const probe = await runBatch(ctx, mid, undefined, quarantined, true);
      if (probe.ok) {
        // Another instance holds the processing lock: leave the search to a later turn.
        if (probe.result.busy) throw failed.err;
        lo = mid;
      } else if (probe.failedEvent !== null || failureClassOf(probe.err) !== 'event') {
        failure = probe;
        continue search;
      } else {
        failing = probe;
      }
    }
    const row = failing.taken[failing.taken.length - 1];
    if (row === undefined || quarantined.has(row.seq)) throw failed.err;
    return { row, err: failing.err, position: failing.taken.length };
  }
}

/**
 * Whether a failure belongs to the events it happened with (`event`: retried without the
 * culprit), to the moment (`transient`: the store is unavailable, a deadlock, a serialization
 * failure, a timeout; the batch is retried later) or to every batch (`systematic`: SQL the
 * schema does not match, a read-only or corrupt database; quarantining would only take event
 * after event out of the stream, so the batch is retried and the error logged).
 */
function failureClassOf(err: unknown): 'event' | 'transient' | 'systematic' {
  if (isStoreUnavailable(err)) return 'transient';
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'event';
  if (TRANSIENT_SQL_STATES.has(code) || /^SQLITE_(BUSY|LOCKED|NOMEM|INTERRUPT)/.test(code)) return 'transient';
  // PostgreSQL: 42 syntax/undefined object, 0A unsupported, 28 auth, 3F schema, XX internal.
  // SQLite: read-only, corrupt, not a database, permission.
  if (/^(42|0A|28|3F|XX)/.test(code) || /^SQLITE_(READONLY|CORRUPT|NOTADB|PERM|AUTH|SCHEMA)/.test(code)) return 'systematic';
  if (code === 'SQLITE_ERROR' && /no such (table|column)|syntax error|has no column/i.test((err as Error).message ?? '')) return 'systematic';
  return 'event';
}

/** serialization_failure, deadlock_detected, lock_not_available, query_canceled (statement timeout). */
const TRANSIENT_SQL_STATES: ReadonlySet<string> = new Set(['40001', '40P01', '55P03', '57014']);

/** Everything shared by the events of one batch. */
interface Run {
  parsed: Map<number, Parsed>;
  settings: Map<string, IntegrationSettings>;
  state: BatchState;
  clevertapIds: ClevertapIdCache;
  maxGeneration: Map<number, number>;
}

async function createRun(tx: Repos, rows: readonly ReceivedEvent[], ctx: Pick<AppContext, 'logger'>): Promise<Run> {
  const parsed = new Map<number, Parsed>();
  for (const row of rows) {
    if (row.rawBody === null) continue;
    const result = parsePurchaselyEvent(row.rawBody);
    if (result.ok) parsed.set(row.seq, { row, ev: result.event });
  }
  const repo = tx.processing;
  const appIds = [...new Set(rows.map((r) => r.appId))];
  const settingsJson = await repo.loadSettingsJson(appIds);
  const settings = new Map(appIds.map((id) => [id, readIntegrationSettings(settingsJson.get(id))]));

  // Bulk loads: the states, owned subscriptions and CleverTap IDs the batch's events name.
  const state = createBatchState(tx.state);
  const clevertapIds = createClevertapIdCache(tx.attributes);
  const scopes = new Map<string, { scope: Scope; users: Set<string>; subscriptions: Set<string> }>();
  const idsByApp = new Map<string, Set<string>>();
  for (const { row, ev } of parsed.values()) {
    if (ev.userKey === null) continue;
    const scope = scopeOf(row, ev);
    const key = `${scope.appId}\u0000${scope.environment}`;
    let entry = scopes.get(key);
    if (!entry) scopes.set(key, (entry = { scope, users: new Set(), subscriptions: new Set() }));
    const transferIds = transferIdsOf(ev);
    entry.users.add(ev.userKey);
    for (const id of transferIds) entry.users.add(id);
    const subscriptionId = subscriptionIdOf(ev);
    if (subscriptionId !== null) entry.subscriptions.add(subscriptionId);
    let ids = idsByApp.get(row.appId);
    if (!ids) idsByApp.set(row.appId, (ids = new Set()));
    for (const id of [ev.userId, ev.anonymousUserId, ...transferIds]) if (id !== null) ids.add(id);
  }
  for (const { scope, users, subscriptions } of scopes.values()) await state.prefetch(scope, [...users], [...subscriptions]);
  for (const [appId, ids] of idsByApp) await clevertapIds.prefetch(appId, [...ids]);
  const maxGeneration = await tx.outbox.maxGenerations(rows.map((r) => r.seq));
  ctx.logger.debug({ events: rows.length, parsed: parsed.size }, 'processing a batch');
  return { parsed, settings, state, clevertapIds, maxGeneration };
}

function scopeOf(row: ReceivedEvent, ev: ParsedEvent): Scope {
  // SANDBOX never touches PRODUCTION: states are kept per environment ('' when none is named).
  return { appId: row.appId, environment: ev.environment ?? '' };
}

/** A stored event that cannot be processed: its payload was erased, or no longer parses. */
function unusable(row: ReceivedEvent): EventStatusUpdate {
  if (row.rawBody === null) return { seq: row.seq, status: 'skipped', reason: 'payload_erased' };
  const result = parsePurchaselyEvent(row.rawBody);
  return { seq: row.seq, status: 'quarantined', reason: result.ok ? 'unparsable' : result.reason };
}

interface EventOutcome {
  update: EventStatusUpdate;
  records: NewRecord[];
  note: string | null;
}

async function processEvent(run: Run, { row, ev }: Parsed, now: number): Promise<EventOutcome> {
  const settings = run.settings.get(row.appId) as IntegrationSettings;
  if (ev.userKey === null) return { update: { seq: row.seq, status: 'skipped', reason: 'no_user_key' }, records: [], note: null };
  const userKey = ev.userKey;
  const scope = scopeOf(row, ev);

  // 1. Fold the event into its user's and its subscription's state.
  const stored = await run.state.getUser(scope, userKey);
  const subscriptionId = subscriptionIdOf(ev);
  const subscription = subscriptionId === null ? null : await run.state.getSubscription(scope, subscriptionId);
  const folded = foldEvent({ user: stored?.state ?? null, subscription: subscription?.state ?? null }, ev);
  const userState = folded.user as UserState;
  if (subscriptionId !== null && folded.subscription !== null) {
    run.state.putSubscription(scope, subscriptionId, folded.subscription, folded.ownerAfter);
  }

  // With the integration off nothing is sent, so the properties need not be derived now: the
  // last ones sent stay the "before" of the next profile diff, which is exactly what CleverTap
  // holds. Folding still runs, so the state is right the moment the integration is enabled.
  if (!settings.enabled) {
    run.state.putUser(scope, userKey, userState, stored?.properties ?? null);
    return { update: { seq: row.seq, status: 'skipped', reason: 'integration_disabled' }, records: [], note: null };
  }

  // 2. Recompute the properties of every user whose snapshot the event may change: the event's
  // user always, both users when ownership moved. A replay sends the current snapshot whole.
  const replay = row.processedAt !== null || run.maxGeneration.has(row.seq) || foldChangedNothing(stored?.state ?? null, subscription?.state ?? null, folded, ev);
  const profiles: ProfileChange[] = [];
  const states = new Map<string, UserState>();
  for (const key of folded.affectedUserKeys) {
    const previous = key === userKey ? stored : await run.state.getUser(scope, key);
    const state = key === userKey ? userState : (previous?.state ?? emptyUserState(key, ev));
    const after = computeUserProperties(state, await run.state.ownedSubscriptions(scope, key));
    run.state.putUser(scope, key, state, after);
    states.set(key, state);
    profiles.push({ userKey: key, before: replay ? null : (previous?.properties ?? null), after });
  }

  // 3. Plan the CleverTap records and decide, per record, whether its identity is known yet.
  const plan = planEvent({ ev, settings, enabled: true, profiles });
  if (plan.skipReason !== null) return { update: { seq: row.seq, status: 'skipped', reason: plan.skipReason }, records: [], note: plan.note };
  const generation = (run.maxGeneration.get(row.seq) ?? 0) + 1;
  const hold = holdForMs(settings);
  const records: NewRecord[] = [];
  for (const planned of plan.records) {
    if (planned.kind === 'profile') run.state.markProfileWritten(scope, planned.userKey);
    const ids = userIdsOf(planned.userKey, ev, states.get(planned.userKey) ?? null);
    await run.clevertapIds.prefetch(
      row.appId,
      [ids.userId, ids.anonymousUserId].filter((id): id is string => id !== null),
    );
    const initial = initialRecordState(ids, (key) => run.clevertapIds.get(row.appId, key), settings, now, hold);
    records.push({
      appId: row.appId,
      eventSeq: row.seq,
      eventId: row.eventId,
      userKey: planned.userKey,
      ...ids,
      environment: ev.environment,
      target: planned.target,
      kind: planned.kind,
      body: planned.body,
      ...initial,
      generation,
    });
  }
  return { update: { seq: row.seq, ...eventStatusOf(records) }, records, note: plan.note };
}

/**
 * True when folding the event changed neither state: the event was folded before, i.e. it is
 * replayed (also one skipped earlier, which left no records behind; replay clears
 * `processed_at`). The fold is canonical, so an unchanged state serialises identically.
 */
function foldChangedNothing(user: UserState | null, subscription: SubscriptionState | null, folded: FoldEventResult, ev: ParsedEvent): boolean {
  if (user === null) return false;
  // The common case, an event newer than all of its user's: it became the user's latest event.
  const latest = user.latestEvent;
  if (latest === null || compareEventKeys(eventKeyOf(ev), latest.key) > 0) return false;
  return JSON.stringify(user) === JSON.stringify(folded.user) && JSON.stringify(subscription) === JSON.stringify(folded.subscription);
}

/** The state of a user who has sent no event yet (e.g. the recipient of a transfer). */
function emptyUserState(userKey: string, ev: ParsedEvent): UserState {
  return { version: 1, userKey, environment: ev.environment, latestEvent: null, userId: null, anonymousUserId: null, revenue: null };
}
