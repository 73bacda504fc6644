import type { AppContext } from '../../../context.js';
import { countReplayable, replayEvent, replayEvents } from '../../../replay/index.js';
import { AppIdParams, errorResponses, EventParams, ForceQuery, ReplayFilterOut, ReplayIn, ReplayOut } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/**
 * Replay (SPEC §2): put events back in the processing queue so that new records are written
 * with the user's current snapshot. An event already waiting (`received`) answers `{requeued: 0}`.
 */
export async function replayRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
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
      const { appId, eventId } = request.params;
      const { force } = request.query;
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
        response: { 200: ReplayFilterOut, ...errorResponses(401, 404, 422) },
      },
      // A bare POST (no body) means "replay the failed events".
      preValidation: async (request) => {
        if (request.body === undefined || request.body === null) request.body = {};
      },
    },
    async (request) => {
      const { appId } = request.params;
      const { countOnly, ...filter } = request.body ?? {};
      return countOnly === true ? countReplayable(ctx, appId, filter) : replayEvents(ctx, appId, filter);
    },
  );
}
