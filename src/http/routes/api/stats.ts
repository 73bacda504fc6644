import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { readAppStats } from '../../../stats/app-stats.js';
import { parseDuration } from '../../../settings/index.js';
import { AppIdParams, errorResponses } from '../../schemas.js';

const DEFAULT_WINDOW = '24h';
/** The longest window: events are kept about that long, and it bounds the query. */
const MAX_WINDOW_MS = 30 * 86_400_000;

const StatsQuery = Type.Object({
  window: Type.Optional(Type.String({ description: "Look-back window such as '15m', '1h', '24h', '7d' (at most 30d)", default: DEFAULT_WINDOW })),
});

const Percentiles = Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() });

const StatsOut = Type.Object({
  window: Type.String(),
  received: Type.Integer({ description: 'Events received in the window' }),
  delivered: Type.Integer({ description: 'Of those, events now delivered' }),
  failed: Type.Integer(),
  held: Type.Integer(),
  skipped: Type.Integer(),
  late: Type.Integer({ description: 'Delivered more than 2 hours after the event was created' }),
  quarantined: Type.Integer(),
  queueDepth: Type.Integer({ description: 'Records pending, in flight or held now' }),
  deliveryLatencyMs: Type.Union([Percentiles, Type.Null()], { description: 'Receipt to delivery, over records delivered in the window' }),
  perMinute: Type.Array(
    Type.Object({ minute: Type.String({ format: 'date-time' }), received: Type.Integer(), delivered: Type.Integer(), failed: Type.Integer() }),
    { description: 'Events by minute of receipt and their current status; minutes without events are left out' },
  ),
  accounts: Type.Array(Type.Object({ accountKey: Type.String(), authState: Type.String() })),
});

type AppIdParams = Static<typeof AppIdParams>;

/** Delivery statistics of an app for the dashboard's overview (SPEC §2). */
export async function statsRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
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
      const { appId } = request.params as AppIdParams;
      const text = (request.query as Static<typeof StatsQuery>).window ?? DEFAULT_WINDOW;
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
