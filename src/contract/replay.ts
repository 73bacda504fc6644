import { Type, type Static } from '@sinclair/typebox';
import { EVENT_STATUSES } from './event-status.js';

/** Replay: events put back in the processing queue. */

export const ForceQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ description: 'Replay even a delivered (or still pending / held) event: CleverTap receives it again' })),
});
export type ForceQuery = Static<typeof ForceQuery>;

/** `POST /apps/{appId}/replay`: which events to replay (default: the failed ones). */
export const ReplayIn = Type.Object(
  {
    status: Type.Optional(Type.Array(Type.Union(EVENT_STATUSES.map((s) => Type.Literal(s))), { maxItems: 10, description: 'Statuses to replay (default ["failed"])' })),
    eventNames: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 200 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or after (RFC 3339)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Received at or before (RFC 3339)' })),
    userKey: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Only events of this user_id or anonymous_user_id' })),
    environment: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only events of this environment (PRODUCTION, SANDBOX)' })),
    eventIds: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 500, description: "Only these events (Purchasely's event_id, or a quarantined q_… id)" }),
    ),
    force: Type.Optional(Type.Boolean({ description: 'Also replay delivered, pending and held events' })),
    countOnly: Type.Optional(Type.Boolean({ description: 'Answer {"count": n}, how many events the replay would requeue, and requeue nothing' })),
  },
  { additionalProperties: false },
);
export type ReplayIn = Static<typeof ReplayIn>;

export const ReplayOut = Type.Object({ requeued: Type.Integer({ description: 'Events put back in the processing queue' }) });
export type ReplayOut = Static<typeof ReplayOut>;

export const ReplayCountOut = Type.Object({ count: Type.Integer({ description: 'Events the replay would put back in the queue (countOnly)' }) });
export type ReplayCountOut = Static<typeof ReplayCountOut>;

/** `POST /apps/{appId}/replay` answers `{requeued}`, or `{count}` with countOnly. */
export const ReplayFilterOut = Type.Union([ReplayOut, ReplayCountOut]);
export type ReplayFilterOut = Static<typeof ReplayFilterOut>;
