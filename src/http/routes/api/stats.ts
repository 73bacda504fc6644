import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { readAppStats } from '../../../stats/app-stats.js';
import { parseDuration } from '../../../settings/index.js';
import { AppIdParams, DEFAULT_STATS_WINDOW, errorResponses, StatsOut, StatsQuery } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** The longest window: events are kept about that long, and it bounds the query. */
const MAX_WINDOW_MS = 30 * 86_400_000;

/** Delivery statistics of an app for the dashboard's overview (SPEC §2). */
export async function statsRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get(
    '/apps/:appId/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'Counts, queue depth and delivery latency over a window',
        params: AppIdParams,
        querystring: StatsQuery,
        response: { 200: StatsOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId } = request.params;
      const text = request.query.window ?? DEFAULT_STATS_WINDOW;
      const ms = parseDuration(text);
      if (ms === null || ms <= 0 || ms > MAX_WINDOW_MS) {
        throw new AppError('validation_failed', 'The request is not valid: see details.', [
          { path: '/querystring/window', message: "must be a duration such as '15m', '1h', '24h' or '7d', at most 30d" },
        ]);
      }
      await requireApp(ctx, appId);
      return readAppStats(ctx, appId, { text, ms });
    },
  );
}
