import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { countReplayable, EVENT_STATUSES, replayEvent, replayEvents } from '../../../replay/index.js';
import { AppIdParams, errorResponses, EventParams } from '../../schemas.js';

const ForceQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ description: 'Replay even a delivered (or still pending / held) event: CleverTap receives it again' })),
});

const ReplayIn = Type.Object(
  {
    status: Type.Optional(
      Type.Array(Type.Union(EVENT_STATUSES.map((s) => Type.Literal(s))), { maxItems: 10, description: 'Statuses to replay (default ["failed"])' }),
    ),
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

const ReplayOut = Type.Object({ requeued: Type.Integer({ description: 'Events put back in the processing queue' }) });
const ReplayCountOut = Type.Object({ count: Type.Integer({ description: 'Events the replay would put back in the queue (countOnly)' }) });

/**
 * Replay (SPEC §2): put events back in the processing queue so that new records are written
 * with the user's current snapshot. An event already waiting (`received`) answers `{requeued: 0}`.
 */
export async function replayRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['events'];

  app.post(
    '/apps/:appId/events/:eventId/replay',
    {
      schema: {
        tags,
        summary: 'Replay one event (409 for a delivered, pending or held one without force; 422 when a quarantined payload still does not parse)',
        params: EventParams,
        querystring: ForceQuery,
        response: { 200: ReplayOut, ...errorResponses(401, 404, 409, 422) },
      },
    },
    async (request) => {
      const { appId, eventId } = request.params as Static<typeof EventParams>;
      const { force } = request.query as Static<typeof ForceQuery>;
      return replayEvent(ctx, appId, eventId, { force: force ?? false });
    },
  );

  app.post(
    '/apps/:appId/replay',
    {
      schema: {
        tags,
        summary: 'Replay every event matching a filter (default: failed ones); with countOnly, only count them',
        params: AppIdParams,
        body: ReplayIn,
        response: { 200: Type.Union([ReplayOut, ReplayCountOut]), ...errorResponses(401, 404, 422) },
      },
      // A bare POST (no body) means "replay the failed events".
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const { appId } = request.params as Static<typeof AppIdParams>;
      const { countOnly, ...filter } = (request.body ?? {}) as Static<typeof ReplayIn>;
      return countOnly === true ? countReplayable(ctx, appId, filter) : replayEvents(ctx, appId, filter);
    },
  );
}
