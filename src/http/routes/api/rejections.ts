import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { listAppRejections, listUnknownAppRejections } from '../../../rejections/list-rejections.js';
import { REJECTION_REASONS } from '../../../rejections/rejection-reasons.js';
import { KEEP_PER_BUCKET } from '../../../rejections/rejection-recorder.js';
import { AppIdParams, errorResponses } from '../../schemas.js';

const RejectionsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: KEEP_PER_BUCKET, default: 100, description: `Items to return, newest first (1–${KEEP_PER_BUCKET}; default 100)` })),
});

const ReasonOut = Type.Union(REJECTION_REASONS.map((r) => Type.Literal(r)));

const RejectionOut = Type.Object({
  at: Type.String({ format: 'date-time', description: 'When the request was refused' }),
  source: Type.String({ description: "The client's address (request.ip: the TCP peer, or X-Forwarded-For from a proxy PCBRIDGE_TRUST_PROXY trusts)" }),
  reason: ReasonOut,
  skewSeconds: Type.Union([Type.Integer(), Type.Null()], {
    description: "With timestamp_out_of_window: the request's timestamp minus this server's clock, in seconds (negative: the timestamp is behind); else null",
  }),
  size: Type.Integer({ description: 'Body size in bytes: as read (401), else as Content-Length announced it (404, 413); the body itself is never kept' }),
  appId: Type.String({ description: 'The app id the request named (for an unknown app: as given, made storable)' }),
});

const RejectionsOut = Type.Object({
  items: Type.Array(RejectionOut, { description: `Newest first; at most ${KEEP_PER_BUCKET} are kept per app, and ${KEEP_PER_BUCKET} for unknown app ids` }),
  summary: Type.Object(Object.fromEntries(REJECTION_REASONS.map((r) => [r, Type.Integer()])), {
    description: 'Per reason, the kept refusals of the last 24 hours',
  }),
});

type RejectionsQuery = Static<typeof RejectionsQuery>;

/** Recently refused webhook requests (issue 14 "Refused requests"): per app, and for unknown app ids. */
export async function rejectionsRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['webhooks'];

  app.get(
    '/apps/:appId/rejections',
    {
      schema: {
        tags,
        summary: "Webhook requests to this app refused with 401 or 413 (no body), newest first, and a count per reason over the last 24 h",
        params: AppIdParams,
        querystring: RejectionsQuery,
        response: { 200: RejectionsOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId } = request.params as Static<typeof AppIdParams>;
      return listAppRejections(ctx, appId, (request.query as RejectionsQuery).limit ?? 100);
    },
  );

  app.get(
    '/rejections',
    {
      schema: {
        tags,
        summary: 'Webhook requests to app ids that do not exist (404 unknown_app, no body), newest first, and a count per reason over the last 24 h',
        querystring: RejectionsQuery,
        response: { 200: RejectionsOut, ...errorResponses(401, 422) },
      },
    },
    async (request) => listUnknownAppRejections(ctx, (request.query as RejectionsQuery).limit ?? 100),
  );
}
