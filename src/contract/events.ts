import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from './common.js';

/** The event log: its rows, one event in detail, and the per-minute counts. */

/** One line of the event log. */
export const EventItemOut = Type.Object({
  eventId: Type.String(),
  eventName: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  anonymousUserId: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  receivedAt: DateTime(),
  eventCreatedAt: Nullable(DateTime()),
  status: Type.String({ description: 'received | quarantined | skipped | failed | held | pending | delivered (EVENT_STATUSES)' }),
  reason: Nullable(Type.String()),
  note: Nullable(Type.String({ description: 'A remark on a processed event that is not a failure, e.g. why no Charged record was made' })),
  duplicates: Type.Integer({ description: 'Copies received after the first (Purchasely retries)' }),
  late: Type.Boolean({ description: 'Delivered more than 2 hours after event_created_at' }),
  requests: Type.Integer({ description: 'Upload requests that carried one of its records, whatever their outcome (a 401 or 429 uses no retry)' }),
  retriesUsed: Type.Integer({ description: 'Most attempts of the retry schedule used by one of its latest records' }),
  lastError: Nullable(Type.String({ description: "CleverTap's last error on one of its latest records not delivered yet" })),
  deliveredAt: Type.Union([DateTime(), Type.Null()], { description: 'When its latest records were all delivered' }),
  heldSince: Type.Union([DateTime(), Type.Null()], { description: "held: since when it waits for the user's CleverTap ID" }),
  holdUntil: Type.Union([DateTime(), Type.Null()], {
    description: 'held: when its held records are skipped (no_identity) unless the user gets a CleverTap ID first',
  }),
});
export type EventItemOut = Static<typeof EventItemOut>;

/** One CleverTap record an event produced. */
export const EventRecordOut = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  target: Type.String(),
  state: Type.String(),
  reason: Nullable(Type.String()),
  attempts: Type.Integer(),
  lastCode: Nullable(Type.Integer()),
  lastMessage: Nullable(Type.String()),
  generation: Type.Integer(),
  body: Type.Unknown(),
  identifier: Type.Unknown(),
  createdAt: DateTime(),
  deliveredAt: Nullable(DateTime()),
  requests: Type.Integer({ description: 'Upload requests that carried this record; `attempts` counts only the retry schedule (401/403 and 429 use none)' }),
  holdUntil: Type.Union([DateTime(), Type.Null()], { description: 'held: when it is skipped unless the user gets a CleverTap ID' }),
});
export type EventRecordOut = Static<typeof EventRecordOut>;

/** One upload request that carried a record of the event. */
export const EventAttemptOut = Type.Object({
  id: Type.Integer(),
  startedAt: DateTime(),
  httpStatus: Nullable(Type.Integer()),
  outcome: Type.String(),
  response: Nullable(Type.String()),
  latencyMs: Type.Integer(),
  recordCount: Type.Integer(),
});
export type EventAttemptOut = Static<typeof EventAttemptOut>;

/** `GET /apps/{appId}/events/{eventId}`. */
export const EventDetailOut = Type.Intersect([
  EventItemOut,
  Type.Object({
    payload: Type.Unknown({ description: 'The payload as parsed JSON when it parses' }),
    rawBody: Type.Optional(Type.String({ description: 'The body as text, when it is not JSON' })),
    records: Type.Array(EventRecordOut),
    attempts: Type.Array(EventAttemptOut),
  }),
]);
export type EventDetailOut = Static<typeof EventDetailOut>;

const CommaList = Type.String({ maxLength: 2000, description: 'One value or several separated by commas' });

/** `GET /apps/{appId}/events`: filters and paging. */
export const EventListQuery = Type.Object(
  {
    status: Type.Optional(CommaList),
    eventName: Type.Optional(CommaList),
    userKey: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Matches user_id or anonymous_user_id' })),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    eventId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "Purchasely's event_id (or a quarantined q_… id), exactly" })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'received at or after (inclusive)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'received before (exclusive)' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);
export type EventListQuery = Static<typeof EventListQuery>;

export const EventListOut = Type.Object({ items: Type.Array(EventItemOut), nextCursor: Nullable(Type.String()) });
export type EventListOut = Static<typeof EventListOut>;

/** `GET /apps/{appId}/event-counts`. */
export const EventCountsQuery = Type.Object(
  { window: Type.String({ description: "Look-back window such as '15m', '1h', '24h', '7d' (at most 30d)", default: '1h' }) },
  { additionalProperties: false },
);
export type EventCountsQuery = Static<typeof EventCountsQuery>;

export const EventCountsOut = Type.Object({
  window: Type.String(),
  perMinute: Type.Array(
    Type.Object({
      minute: DateTime(),
      received: Type.Integer({ description: 'Every event received in the minute' }),
      counts: Type.Record(Type.String(), Type.Integer(), { description: 'Of those, how many now have each status (statuses with none are left out)' }),
    }),
    { description: 'Minutes without events are left out; oldest first' },
  ),
});
export type EventCountsOut = Static<typeof EventCountsOut>;
