/**
 * What a Purchasely payload would become (issue 14 "Preview"): the records processing would
 * write for it now, with the app's current settings and the user's current state, computed
 * with processing's own pure steps (quarantine rules, fold, properties, plan, identity) on
 * copies of what is stored. It only reads: no state, attribute, event or outbox row changes,
 * and nothing is sent.
 */
import type { Identifier, RecordBody } from '../clevertap/types.js';
import type { AppContext } from '../context.js';
import { resolveIdentifier } from '../identity/resolve-identifier.js';
import { buildEventRow } from '../ingest/build-event-row.js';
import { loadIntegration, type LoadedIntegration } from '../settings/load-integration.js';
import { planEvent, type ProfileChange, type RecordKind, type RecordTarget } from '../mapping/index.js';
import { createBatchState, type Scope } from '../processing/batch-state.js';
import { holdForMs } from '../processing/integration-settings.js';
import { initialRecordState, transferIdsOf, userIdsOf } from '../processing/record-identity.js';
import { parsePurchaselyEvent, type ParsedEvent } from '../purchasely/payload.js';
import { computeUserProperties, foldEvent, subscriptionIdOf, type UserState } from '../state/index.js';
import type { NewRecordState } from '../store/repos/outbox-repo.js';

/** One record the payload would produce. */
export interface PreviewRecord {
  /** The user the record is about (a transfer writes for two users). */
  userKey: string;
  kind: RecordKind;
  /** The CleverTap account it goes to. */
  account: RecordTarget;
  /** The identifier it would carry if sent now; null while it has none. */
  identifier: Identifier | null;
  /** True when it would wait for a CleverTap ID (SPEC §4 "Identity"). */
  held: boolean;
  /** How processing would write it: `pending`, `held`, or `skipped` (identity mode, anonymous user). */
  state: NewRecordState;
  /** The record as it would be sent: the identifier (when there is one) then the body. */
  body: RecordBody & Partial<Identifier>;
}

/** The preview of one payload (without CleverTap's verdict, see dry-run.ts). */
export interface PayloadPreview {
  eventName: string | null;
  eventId: string | null;
  outcome: 'records' | 'skipped';
  /** Why nothing would be sent: a quarantine reason or a skip reason of the log; null with records. */
  reason: string | null;
  /** The remark processing would leave on the event's log entry, if any. */
  note: string | null;
  /** True when the app already stored this `event_id`: the webhook would take it as a retry and store nothing. */
  duplicate: boolean;
  records: PreviewRecord[];
}

export interface PreviewOptions {
  /** The webhook's body limit: a bigger payload would be refused (413) before anything else. */
  maxBodyBytes: number;
}

/**
 * Previews `payload`: a string is taken as the raw body Purchasely would post, anything else is
 * serialised as JSON first. Quarantined payloads and skipped events answer `outcome: skipped`
 * with the reason the log would show.
 */
export async function previewPayload(ctx: AppContext, appId: string, payload: unknown, opts: PreviewOptions): Promise<{ preview: PayloadPreview; integration: LoadedIntegration }> {
  const integration = await loadIntegration(ctx.store, appId);
  const raw = Buffer.from(typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? ''), 'utf8');
  const skipped = (
    reason: string,
    ev: { eventName: string | null; eventId: string | null } = { eventName: null, eventId: null },
    note: string | null = null,
    duplicate = false,
  ) => ({
    preview: { ...ev, outcome: 'skipped' as const, reason, note, duplicate, records: [] },
    integration,
  });
  if (raw.length > opts.maxBodyBytes) return skipped('payload_too_large');

  const now = ctx.clock.now();
  const row = buildEventRow(appId, raw, now);
  if (row.status === 'quarantined') return skipped(row.reason ?? 'unparsable', { eventName: row.eventName, eventId: row.eventId });
  const parsed = parsePurchaselyEvent(raw);
  if (!parsed.ok) return skipped(parsed.reason, { eventName: row.eventName, eventId: row.eventId });
  const ev = parsed.event;
  const ids = { eventName: ev.eventName, eventId: ev.eventId };
  const duplicate = (await ctx.store.events.get(appId, ev.eventId)) !== null;
  if (ev.userKey === null) return skipped('no_user_key', ids, null, duplicate);

  const settings = integration.settings;
  const { profiles, states } = await foldOnCopies(ctx, appId, ev);
  const plan = planEvent({ ev, settings, enabled: settings.enabled, profiles });
  if (plan.skipReason !== null) return skipped(plan.skipReason, ids, plan.note, duplicate);

  const { attributes } = ctx.store;
  const records: PreviewRecord[] = [];
  for (const planned of plan.records) {
    const userIds = userIdsOf(planned.userKey, ev, states.get(planned.userKey) ?? null);
    const clevertapIds = await attributes.getClevertapIds(
      appId,
      [userIds.userId, userIds.anonymousUserId].filter((k): k is string => k !== null),
    );
    const clevertapIdOf = (key: string): string | null => clevertapIds.get(key) ?? null;
    const initial = initialRecordState(userIds, clevertapIdOf, settings, now, holdForMs(settings));
    const identifier = resolveIdentifier({
      mode: settings.identity.mode,
      userId: userIds.userId,
      anonymousUserId: userIds.anonymousUserId,
      clevertapIdForUserId: userIds.userId === null ? null : clevertapIdOf(userIds.userId),
      clevertapIdForAnonymousId: userIds.anonymousUserId === null ? null : clevertapIdOf(userIds.anonymousUserId),
    });
    records.push({
      userKey: planned.userKey,
      kind: planned.kind,
      account: planned.target,
      identifier,
      held: initial.state === 'held',
      state: initial.state,
      // As delivery sends it: the identifier's members first, then the body's.
      body: identifier === null ? planned.body : { ...identifier, ...planned.body },
    });
  }
  return { preview: { ...ids, outcome: 'records', reason: null, note: plan.note, duplicate, records }, integration };
}

/**
 * Folds the event into copies of the states it touches, as processing does (SPEC §4), and
 * derives the properties of every user whose snapshot it may change. The batch state is read
 * from the store and changed in memory only: it is never flushed.
 */
async function foldOnCopies(ctx: AppContext, appId: string, ev: ParsedEvent): Promise<{ profiles: ProfileChange[]; states: Map<string, UserState> }> {
  const userKey = ev.userKey as string;
  const scope: Scope = { appId, environment: ev.environment ?? '' };
  const state = createBatchState(ctx.store.state);
  const subscriptionId = subscriptionIdOf(ev);
  await state.prefetch(scope, [userKey, ...transferIdsOf(ev)], subscriptionId === null ? [] : [subscriptionId]);

  const stored = await state.getUser(scope, userKey);
  const subscription = subscriptionId === null ? null : await state.getSubscription(scope, subscriptionId);
  const folded = foldEvent({ user: stored?.state ?? null, subscription: subscription?.state ?? null }, ev);
  if (subscriptionId !== null && folded.subscription !== null) state.putSubscription(scope, subscriptionId, folded.subscription, folded.ownerAfter);

  const profiles: ProfileChange[] = [];
  const states = new Map<string, UserState>();
  for (const key of folded.affectedUserKeys) {
    const previous = key === userKey ? stored : await state.getUser(scope, key);
    const userState = key === userKey ? (folded.user as UserState) : (previous?.state ?? emptyUserState(key, ev));
    const after = computeUserProperties(userState, await state.ownedSubscriptions(scope, key));
    state.putUser(scope, key, userState, after);
    states.set(key, userState);
    // A stale user's properties load as null, as in processing: the whole profile would go.
    profiles.push({ userKey: key, before: previous?.properties ?? null, after });
  }
  return { profiles, states };
}

/** The state of a user who has sent no event yet (the recipient of a transfer), as processing makes it. */
function emptyUserState(userKey: string, ev: ParsedEvent): UserState {
  return { version: 1, userKey, environment: ev.environment, latestEvent: null, userId: null, anonymousUserId: null, revenue: null };
}
