import { Type, type Static } from '@sinclair/typebox';
import { KEEP_PER_BUCKET, REJECTION_REASONS, type RejectionReason } from './rejection-reasons.js';

/** Recently refused webhook requests: per app, and for unknown app ids. */

export const RejectionsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: KEEP_PER_BUCKET, default: 100, description: `Items to return, newest first (1–${KEEP_PER_BUCKET}; default 100)` })),
});
export type RejectionsQuery = Static<typeof RejectionsQuery>;

export const RejectionReasonOut = Type.Union(REJECTION_REASONS.map((r) => Type.Literal(r)));

export const RejectionOut = Type.Object({
  at: Type.String({ format: 'date-time', description: 'When the request was refused' }),
  source: Type.String({ description: "The client's address (request.ip: the TCP peer, or X-Forwarded-For from a proxy PCBRIDGE_TRUST_PROXY trusts)" }),
  reason: RejectionReasonOut,
  skewSeconds: Type.Union([Type.Integer(), Type.Null()], {
    description: "With timestamp_out_of_window: the request's timestamp minus this server's clock, in seconds (negative: the timestamp is behind); else null",
  }),
  size: Type.Integer({ description: 'Body size in bytes: as read (401), else as Content-Length announced it (404, 413); the body itself is never kept' }),
  appId: Type.String({ description: 'The app id the request named (for an unknown app: as given, made storable)' }),
});
export type RejectionOut = Static<typeof RejectionOut>;

export const RejectionsOut = Type.Object({
  items: Type.Array(RejectionOut, { description: `Newest first; at most ${KEEP_PER_BUCKET} are kept per app, and ${KEEP_PER_BUCKET} for unknown app ids` }),
  summary: Type.Unsafe<Record<RejectionReason, number>>(
    Type.Object(Object.fromEntries(REJECTION_REASONS.map((r) => [r, Type.Integer()])), {
      description: 'Per reason, the kept refusals of the last 24 hours',
    }),
  ),
});
export type RejectionsOut = Static<typeof RejectionsOut>;
