import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { decodeEventCursor, encodeEventCursor, toEventDetailOut, toEventItemOut } from '../../../ingest/event-log.js';
import { createEventsRepo } from '../../../store/repos/events-repo.js';
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
    from: Type.Optional(Type.String({ format: 'date-time', description: 'received at or after (inclusive)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'received before (exclusive)' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  { additionalProperties: false },
);

const EventListOut = Type.Object({ items: Type.Array(EventItemOut), nextCursor: Type.Union([Type.String(), Type.Null()]) });

type EventListQuery = Static<typeof EventListQuery>;
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
  const events = createEventsRepo(ctx.store.db);

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
        ...(query.from !== undefined ? { fromMs: Date.parse(query.from) } : {}),
        ...(query.to !== undefined ? { toMs: Date.parse(query.to) } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        // One row more than asked tells whether another page exists.
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return { items: page.map(toEventItemOut), nextCursor: rows.length > query.limit && last ? encodeEventCursor(last.seq) : null };
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
      const [records, attempts] = await Promise.all([events.recordsOf(event.seq), events.attemptsOf(event.seq)]);
      return toEventDetailOut(event, records, attempts);
    },
  );
}
