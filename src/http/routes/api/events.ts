import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { decodeEventCursor, encodeEventCursor, toEventDetailOut, toEventItemOut } from '../../../ingest/event-log.js';
import { parseDuration } from '../../../settings/index.js';
import { AppIdParams, errorResponses, EventCountsOut, EventCountsQuery, EventDetailOut, EventListOut, EventListQuery, EventParams } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** The longest window of the per-minute counts (events are kept about that long). */
const MAX_COUNT_WINDOW_MS = 30 * 86_400_000;

function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

/** The event log (SPEC §2): list with filters, newest first, and one event in detail. */
export async function eventsRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['events'];
  const { events } = ctx.store;

  app.get(
    '/apps/:appId/events',
    {
      schema: {
        tags,
        summary: 'The event log, newest first',
        params: AppIdParams,
        querystring: EventListQuery,
        response: { 200: EventListOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId } = request.params;
      const query = request.query;
      let beforeSeq: number | undefined;
      if (query.cursor !== undefined) {
        const decoded = decodeEventCursor(query.cursor);
        if (decoded === null)
          throw new AppError('validation_failed', 'The request is not valid: see details.', [{ path: '/querystring/cursor', message: 'is not a cursor this API gave out' }]);
        beforeSeq = decoded;
      }
      await requireApp(ctx, appId);
      const rows = await events.list({
        appId,
        ...(splitList(query.status) ? { statuses: splitList(query.status)! } : {}),
        ...(splitList(query.eventName) ? { eventNames: splitList(query.eventName)! } : {}),
        ...(query.userKey !== undefined ? { userKey: query.userKey } : {}),
        ...(query.environment !== undefined ? { environment: query.environment } : {}),
        ...(query.eventId !== undefined ? { eventId: query.eventId } : {}),
        ...(query.from !== undefined ? { fromMs: Date.parse(query.from) } : {}),
        ...(query.to !== undefined ? { toMs: Date.parse(query.to) } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        // One row more than asked tells whether another page exists.
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const delivery = await events.deliverySummaries(page.map((e) => e.seq));
      return { items: page.map((e) => toEventItemOut(e, delivery.get(e.seq))), nextCursor: rows.length > query.limit && last ? encodeEventCursor(last.seq) : null };
    },
  );

  app.get(
    '/apps/:appId/event-counts',
    {
      schema: {
        tags,
        summary: "Events per minute of receipt by current status (the Overview's chart: pending, held, skipped… each on its own)",
        params: AppIdParams,
        querystring: EventCountsQuery,
        response: { 200: EventCountsOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId } = request.params;
      const { window } = request.query;
      const ms = parseDuration(window);
      if (ms === null || ms <= 0 || ms > MAX_COUNT_WINDOW_MS) {
        throw new AppError('validation_failed', 'The request is not valid: see details.', [
          { path: '/querystring/window', message: "must be a duration such as '15m', '1h', '24h' or '7d', at most 30d" },
        ]);
      }
      await requireApp(ctx, appId);
      const now = ctx.clock.now();
      const minutes = await events.countPerMinute(appId, now - ms, now);
      return {
        window,
        perMinute: minutes.map((m) => ({
          minute: new Date(m.minute * 60_000).toISOString(),
          received: Object.values(m.counts).reduce((a, b) => a + b, 0),
          counts: m.counts,
        })),
      };
    },
  );

  app.get(
    '/apps/:appId/events/:eventId',
    {
      schema: {
        tags,
        summary: 'One event: payload, the CleverTap records it produced, every delivery attempt',
        params: EventParams,
        response: { 200: EventDetailOut, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { appId, eventId } = request.params;
      await requireApp(ctx, appId);
      const event = await events.get(appId, eventId);
      if (!event) throw new AppError('not_found', `No event ${eventId} for app ${appId}.`);
      const [records, attempts, delivery, perRecord] = await Promise.all([
        events.recordsOf(event.seq),
        events.attemptsOf(event.seq),
        events.deliverySummaries([event.seq]),
        events.requestsPerRecord(event.seq),
      ]);
      return toEventDetailOut(event, records, attempts, delivery.get(event.seq), perRecord);
    },
  );
}
