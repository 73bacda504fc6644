import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { decodeEventCursor, encodeEventCursor, toEventDetailOut, toEventItemOut } from '../../../ingest/event-log.js';
import { parseDuration } from '../../../settings/index.js';
import { AppIdParams, errorResponses, EventParams } from '../../schemas.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const EventItemOut = Type.Object({
  eventId: Type.String(),
  eventName: Nullable(Type.String()),
  userId: Nullable(Type.String()),
  anonymousUserId: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  receivedAt: Type.String({ format: 'date-time' }),
  eventCreatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  status: Type.String({ description: 'received | quarantined | skipped | failed | held | pending | delivered' }),
  reason: Nullable(Type.String()),
  note: Nullable(Type.String({ description: 'A remark on a processed event that is not a failure, e.g. why no Charged record was made' })),
  duplicates: Type.Integer({ description: 'Copies received after the first (Purchasely retries)' }),
  late: Type.Boolean({ description: 'Delivered more than 2 hours after event_created_at' }),
  requests: Type.Integer({ description: 'Upload requests that carried one of its records, whatever their outcome (a 401 or 429 uses no retry)' }),
  retriesUsed: Type.Integer({ description: 'Most attempts of the retry schedule used by one of its latest records' }),
  lastError: Nullable(Type.String({ description: "CleverTap's last error on one of its latest records not delivered yet" })),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When its latest records were all delivered' }),
  heldSince: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: "held: since when it waits for the user's CleverTap ID" }),
  holdUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'held: when its held records are skipped (no_identity) unless the user gets a CleverTap ID first',
  }),
});

export const EventRecordOut = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  target: Type.String(),
  state: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
  lastCode: Type.Union([Type.Integer(), Type.Null()]),
  lastMessage: Type.Union([Type.String(), Type.Null()]),
  generation: Type.Integer(),
  body: Type.Unknown(),
  identifier: Type.Unknown(),
  createdAt: Type.String({ format: 'date-time' }),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  requests: Type.Integer({ description: 'Upload requests that carried this record; `attempts` counts only the retry schedule (401/403 and 429 use none)' }),
  holdUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'held: when it is skipped unless the user gets a CleverTap ID' }),
});

export const EventAttemptOut = Type.Object({
  id: Type.Integer(),
  startedAt: Type.String({ format: 'date-time' }),
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.String(),
  response: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Integer(),
  recordCount: Type.Integer(),
});

export const EventDetailOut = Type.Intersect([
  EventItemOut,
  Type.Object({
    payload: Type.Unknown({ description: 'The payload as parsed JSON when it parses' }),
    rawBody: Type.Optional(Type.String({ description: 'The body as text, when it is not JSON' })),
    records: Type.Array(EventRecordOut),
    attempts: Type.Array(EventAttemptOut),
  }),
]);

const CommaList = Type.String({ maxLength: 2000, description: 'One value or several separated by commas' });

const EventListQuery = Type.Object(
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

const EventListOut = Type.Object({ items: Type.Array(EventItemOut), nextCursor: Type.Union([Type.String(), Type.Null()]) });

type EventListQuery = Static<typeof EventListQuery>;

/** The longest window of the per-minute counts (events are kept about that long). */
const MAX_COUNT_WINDOW_MS = 30 * 86_400_000;

const EventCountsQuery = Type.Object(
  { window: Type.String({ description: "Look-back window such as '15m', '1h', '24h', '7d' (at most 30d)", default: '1h' }) },
  { additionalProperties: false },
);

export const EventCountsOut = Type.Object({
  window: Type.String(),
  perMinute: Type.Array(
    Type.Object({
      minute: Type.String({ format: 'date-time' }),
      received: Type.Integer({ description: 'Every event received in the minute' }),
      counts: Type.Record(Type.String(), Type.Integer(), { description: 'Of those, how many now have each status (statuses with none are left out)' }),
    }),
    { description: 'Minutes without events are left out; oldest first' },
  ),
});
type EventParams = Static<typeof EventParams>;

function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

/** The event log (SPEC §2): list with filters, newest first, and one event in detail. */
export async function eventsRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
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
      const { appId } = request.params as Static<typeof AppIdParams>;
      const query = request.query as EventListQuery;
      let beforeSeq: number | undefined;
      if (query.cursor !== undefined) {
        const decoded = decodeEventCursor(query.cursor);
        if (decoded === null) throw new AppError('validation_failed', 'The request is not valid: see details.', [{ path: '/querystring/cursor', message: 'is not a cursor this API gave out' }]);
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
      const { appId } = request.params as Static<typeof AppIdParams>;
      const { window } = request.query as Static<typeof EventCountsQuery>;
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
      const { appId, eventId } = request.params as EventParams;
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
