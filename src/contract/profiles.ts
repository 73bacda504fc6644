import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from './common.js';
import type { ClevertapIdentifier } from './records.js';

/** A user's profile as pcbridge holds it beside CleverTap's, and its resend. */

export const EnvironmentQuery = Type.Object({
  environment: Type.Optional(
    Type.String({ maxLength: 64, description: "The state's environment as the events named it (PRODUCTION, SANDBOX, or empty); default: the production one" }),
  ),
});
export type EnvironmentQuery = Static<typeof EnvironmentQuery>;

const Properties = Type.Record(Type.String(), Type.Unknown());

/** A profile record of the user's not delivered yet. */
export const PendingProfileRecordOut = Type.Object({
  id: Type.Integer(),
  eventId: Type.String(),
  state: Type.String(),
  attempts: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  holdUntil: Nullable(Type.String({ format: 'date-time' })),
  lastMessage: Nullable(Type.String()),
});
export type PendingProfileRecordOut = Static<typeof PendingProfileRecordOut>;

/** How asking CleverTap went. */
export type ProfileLookupStatus = 'found' | 'not_found' | 'not_asked' | 'auth_failed' | 'error';

export const ProfileViewOut = Type.Object({
  userKey: Type.String(),
  environment: Nullable(Type.String()),
  account: Type.Union([Type.Unsafe<'main' | 'sandbox'>(Type.String({ description: 'main | sandbox; null when SANDBOX events are skipped' })), Type.Null()]),
  identifier: Type.Unsafe<ClevertapIdentifier | null>(
    Type.Unknown({ description: '{"identity": …} or {"objectId": …} a record of the user would be sent with now; null while none' }),
  ),
  stale: Type.Boolean({ description: "The user's last profile record failed or was skipped" }),
  snapshot: Properties,
  lastDelivered: Type.Union([Properties, Type.Null()]),
  lastDeliveredAt: Nullable(Type.String({ format: 'date-time' })),
  pendingRecords: Type.Array(PendingProfileRecordOut),
  clevertap: Type.Union([Properties, Type.Null()]),
  lookup: Type.Object({
    status: Type.Unsafe<ProfileLookupStatus>(Type.String({ description: 'found | not_found | not_asked | auth_failed | error' })),
    message: Type.String(),
  }),
  differences: Type.Array(Type.Object({ property: Type.String(), snapshot: Type.Unknown(), clevertap: Type.Unknown() })),
  equal: Type.Boolean(),
});
export type ProfileViewOut = Static<typeof ProfileViewOut>;

export const ResendProfileOut = Type.Object({
  requeued: Type.Integer(),
  recordId: Type.Integer(),
  state: Type.String({ description: 'pending, or held while the user has no CleverTap identifier' }),
});
export type ResendProfileOut = Static<typeof ResendProfileOut>;
