import { resolveIdentifier, type ResolvedIdentifier } from '../identity/resolve-identifier.js';
import type { ParsedEvent } from '../purchasely/payload.js';
import type { IntegrationSettings } from '../settings/index.js';
import type { UserState } from '../state/index.js';
import type { NewRecordState } from '../store/repos/outbox-repo.js';

/** The two ids a record's identity is resolved from at send time (stored on the record). */
export interface RecordUserIds {
  userId: string | null;
  anonymousUserId: string | null;
}

const TRANSFER_USER_FIELDS = ['transferred_to_user_id', 'transferred_from_user_id'] as const;
const TRANSFER_ANONYMOUS_FIELDS = ['transferred_to_anonymous_user_id', 'transferred_from_anonymous_user_id'] as const;

/**
 * The ids of the user a record is about. For the event's own user, the event's `user_id` and
 * `anonymous_user_id` (SPEC §4: "the CleverTap ID set for the event's user_id or else its
 * anonymous_user_id"). For another user (a transfer moved a subscription to or from them), the
 * kind of key is read from the event's `transferred_*` fields, else from that user's state.
 */
export function userIdsOf(userKey: string, ev: ParsedEvent, state: UserState | null): RecordUserIds {
  if (userKey === ev.userKey) return { userId: ev.userId, anonymousUserId: ev.anonymousUserId };
  if (TRANSFER_USER_FIELDS.some((f) => ev.payload[f] === userKey)) {
    return { userId: userKey, anonymousUserId: null };
  }
  if (TRANSFER_ANONYMOUS_FIELDS.some((f) => ev.payload[f] === userKey)) {
    return { userId: null, anonymousUserId: userKey };
  }
  if (state?.userId?.value === userKey) return { userId: userKey, anonymousUserId: state.anonymousUserId?.value ?? null };
  return { userId: null, anonymousUserId: userKey };
}

/** Every `transferred_*` id an event names (their CleverTap IDs are loaded with the batch). */
export function transferIdsOf(ev: ParsedEvent): string[] {
  const ids: string[] = [];
  for (const f of [...TRANSFER_USER_FIELDS, ...TRANSFER_ANONYMOUS_FIELDS]) {
    const value = ev.payload[f];
    if (typeof value === 'string' && value !== '') ids.push(value);
  }
  return ids;
}

/** What processing writes for a record, decided by whether its identity resolves now. */
export interface InitialRecordState {
  state: NewRecordState;
  reason: string | null;
  holdUntil: number | null;
}

/**
 * Decides a new record's state (SPEC §4 "Identity"). Delivery resolves the identifier again at
 * send time; here it only matters whether one exists: yes → `pending`; no → `held` until
 * `now + holdFor` (modes `auto`, `object_id`), or `skipped: no_identity` at once (mode
 * `identity`, which can never identify an anonymous user).
 */
export function initialRecordState(
  ids: RecordUserIds,
  clevertapIdOf: (userKey: string) => string | null,
  settings: IntegrationSettings,
  now: number,
  holdForMs: number,
): InitialRecordState {
  const identifier: ResolvedIdentifier | null = resolveIdentifier({
    mode: settings.identity.mode,
    userId: ids.userId,
    anonymousUserId: ids.anonymousUserId,
    clevertapIdForUserId: ids.userId === null ? null : clevertapIdOf(ids.userId),
    clevertapIdForAnonymousId: ids.anonymousUserId === null ? null : clevertapIdOf(ids.anonymousUserId),
  });
  if (identifier !== null) return { state: 'pending', reason: null, holdUntil: null };
  if (settings.identity.mode === 'identity') return { state: 'skipped', reason: 'no_identity', holdUntil: null };
  return { state: 'held', reason: null, holdUntil: now + holdForMs };
}
