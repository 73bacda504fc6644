import type { IdentityMode } from '../settings/schema.js';

/** How a record's CleverTap identifier is chosen (settings `identity.mode`, SPEC §3–§4). */
export type { IdentityMode };

/** The facts about one record's user that decide its identifier. */
export interface IdentifierInput {
  mode: IdentityMode;
  /** The event's `user_id`, or null when the user is anonymous. */
  userId: string | null;
  /** The event's `anonymous_user_id`, or null. */
  anonymousUserId: string | null;
  /** The CleverTap ID set through the attributes API for `userId`, or null. */
  clevertapIdForUserId: string | null;
  /** The CleverTap ID set through the attributes API for `anonymousUserId`, or null. */
  clevertapIdForAnonymousId: string | null;
}

/** The identifier a CleverTap record carries: exactly one of `identity` or `objectId`. */
export type ResolvedIdentifier = { identity: string } | { objectId: string };

/**
 * Chooses the CleverTap identifier of a record (SPEC §4 "Identity"). Pure.
 *
 * - `auto`: `objectId` = the CleverTap ID set for the `user_id`, else the one set for the
 *   `anonymous_user_id`; else `identity` = the `user_id`; else null (hold the record).
 * - `object_id`: the same CleverTap IDs, never falling back to `identity`; else null.
 * - `identity`: `identity` = the `user_id`; else null (anonymous events are skipped).
 *
 * Null means "no identifier yet": processing holds the record (or skips it in `identity`
 * mode), delivery keeps it back. Empty strings count as absent.
 */
export function resolveIdentifier(input: IdentifierInput): ResolvedIdentifier | null {
  const userId = presentOrNull(input.userId);
  if (input.mode === 'identity') return userId === null ? null : { identity: userId };

  const objectId =
    (userId === null ? null : presentOrNull(input.clevertapIdForUserId)) ?? (presentOrNull(input.anonymousUserId) === null ? null : presentOrNull(input.clevertapIdForAnonymousId));
  if (objectId !== null) return { objectId };
  if (input.mode === 'auto' && userId !== null) return { identity: userId };
  return null;
}

function presentOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined || value === '' ? null : value;
}
