import type { Queryable, SqlValue } from '../db.js';
import { eventFilterClauses, placeholders } from './event-filter.js';

/** Status of a freshly stored webhook: processing (H6) moves `received` on. */
export type IngestStatus = 'received' | 'quarantined';

/** One webhook as the ingest path stores it (columns of `events`, camel-cased). */
export interface NewEventRow {
  appId: string;
  eventId: string;
  eventName: string | null;
  userKey: string | null;
  userId: string | null;
  anonymousUserId: string | null;
  environment: string | null;
  receivedAt: number;
  eventCreatedAt: number | null;
  status: IngestStatus;
  reason: string | null;
  /** The body exactly as received. */
  rawBody: Buffer;
}

/** A signed webhook body as received, before it is parsed into its row. */
export interface ReceivedEvent {
  appId: string;
  rawBody: Buffer;
  receivedAt: number;
}

/** What became of a received body: a new row or a retry of a stored one, and whether it was quarantined. */
export interface ReceivedOutcome {
  fresh: boolean;
  quarantined: boolean;
}

/**
 * Turns a received body into its `events` row (src/ingest's `buildEventRow`). Named by module
 * too, so that a thread of the store can load the same function and parse there.
 */
export interface EventRowBuilder {
  build(appId: string, rawBody: Buffer, receivedAt: number): NewEventRow;
  /** URL of an ES module that exports `build` as `buildEventRow`. */
  module: string;
}

/**
 * Where the webhook path commits its rows, one batch per transaction (group commit):
 * `store.ingestWriter(builder)`.
 */
export interface EventBatchWriter {
  /**
   * Inserts each row or counts a duplicate (`EventsRepo.insertOrCountDuplicates`) in ONE
   * transaction, and resolves only once it is committed durably; per row, whether it was new.
   */
  insertBatch(rows: readonly { row: NewEventRow; copies: number }[]): Promise<boolean[]>;
  /**
   * The same for bodies as received: each is parsed into its row by the builder (on SQLite in
   * the thread that commits, off the main thread), then inserted or counted, in ONE transaction.
   * Copies of one event are simply inserted in turn: the first is new, the others count.
   */
  insertReceived(items: readonly ReceivedEvent[]): Promise<ReceivedOutcome[]>;
  /**
   * Batches worth having in flight at once. SQLite serialises writers anyway (one is right);
   * on PostgreSQL a few let one batch commit while the next one fills.
   */
  readonly maxInFlight: number;
}

/** Inserts rows built from received bodies, one copy each, on `q`; per row, new or not and quarantined or not. */
export async function insertReceivedRows(q: Queryable, rows: readonly NewEventRow[]): Promise<ReceivedOutcome[]> {
  const fresh = await createEventsRepo(q).insertOrCountDuplicates(rows.map((row) => ({ row, copies: 1 })));
  return rows.map((row, i) => ({ fresh: fresh[i] === true, quarantined: row.status === 'quarantined' }));
}

/** Batches committed with `transaction` on the store's own connection. */
export function createTransactionalBatchWriter(
  transaction: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>,
  maxInFlight: number,
  builder: EventRowBuilder | null,
): EventBatchWriter {
  return {
    maxInFlight,
    insertBatch: (rows) => transaction((q) => createEventsRepo(q).insertOrCountDuplicates(rows)),
    insertReceived(items) {
      if (!builder) return Promise.reject(new Error('this ingest writer was opened without a row builder'));
      // Parsed before the transaction begins, so that it stays short.
      const rows = items.map((item) => builder.build(item.appId, item.rawBody, item.receivedAt));
      return transaction((q) => insertReceivedRows(q, rows));
    },
  };
}

/** An `events` row as the log shows it (without the raw body): the stored columns, and what processing and delivery added. */
export interface EventRecord extends Omit<NewEventRow, 'status' | 'rawBody'> {
  seq: number;
  /** Any status of the event's life, not only the ingest ones. */
  status: string;
  /** A remark on a processed event that is not a failure (e.g. why no Charged record was made). */
  note: string | null;
  duplicates: number;
  late: boolean;
}

export interface EventWithBody extends EventRecord {
  rawBody: Buffer | null;
}

/** Filters of the event log (SPEC §2 `GET /apps/{appId}/events`). */
export interface EventFilter {
  appId: string;
  statuses?: readonly string[];
  eventNames?: readonly string[];
  /** Matches `user_id`, `anonymous_user_id` or `user_key`. */
  userKey?: string;
  environment?: string;
  /** Purchasely's `event_id` (or a quarantined event's `q_…` id), exactly. */
  eventId?: string;
  /** received_at >= fromMs */
  fromMs?: number;
  /** received_at < toMs */
  toMs?: number;
  /** Only events older than this `seq` (keyset pagination, newest first). */
  beforeSeq?: number;
  limit: number;
}

/** A CleverTap record produced by an event (table `records`, 002). */
export interface EventRecordRow {
  id: number;
  /** For a held record: when it is skipped (`no_identity`) unless the user gets a CleverTap ID. */
  holdUntil: number | null;
  kind: string;
  target: string;
  state: string;
  reason: string | null;
  attempts: number;
  lastCode: number | null;
  lastMessage: string | null;
  generation: number;
  bodyJson: string;
  identifierJson: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** An upload attempt that carried at least one of an event's records (tables `attempts` + `attempt_records`). */
export interface EventAttemptRow {
  id: number;
  startedAt: number;
  httpStatus: number | null;
  outcome: string;
  responseText: string | null;
  latencyMs: number;
  recordCount: number;
}

/**
 * How delivery went for one event, folded from its records (latest generation) and the upload
 * requests that carried any of them: what the log's attempts, last error, delivered-at and
 * held columns show.
 */
export interface EventDeliverySummary {
  /** Upload requests that carried one of the event's records (any generation), 401s and 429s included. */
  requests: number;
  /** Most attempts of the retry schedule used by one record of the latest generation (401/403 and 429 use none). */
  retriesUsed: number;
  /** CleverTap's last error on a record of the latest generation that is not delivered, e.g. "401 Unauthorized". */
  lastError: string | null;
  /** When the last record of the latest generation was delivered, once all are. */
  deliveredAt: number | null;
  /** Earliest creation of a held record: since when the event waits for the user's CleverTap ID. */
  heldSince: number | null;
  /** Earliest `hold_until` of a held record: when it is skipped unless the user gets a CleverTap ID. */
  holdUntil: number | null;
}

/** Events per minute of receipt, by current status (SPEC §2 Overview chart). */
export interface MinuteStatusCounts {
  minute: number;
  counts: Record<string, number>;
}

export interface EventsRepo {
  /**
   * Inserts each row, or counts a duplicate when (app_id, event_id) is already stored.
   * A row received `copies` times counts the extra copies at once; copies may also come as rows
   * of their own (one statement each, in order: the first is new, the later ones count). Returns,
   * per row, whether it was new. Meant to run inside `store.tx` so that a whole batch costs one
   * commit.
   */
  insertOrCountDuplicates(rows: readonly { row: NewEventRow; copies: number }[]): Promise<boolean[]>;
  list(filter: EventFilter): Promise<EventRecord[]>;
  get(appId: string, eventId: string): Promise<EventWithBody | null>;
  recordsOf(eventSeq: number): Promise<EventRecordRow[]>;
  attemptsOf(eventSeq: number): Promise<EventAttemptRow[]>;
  /** Delivery summaries of these events (by `seq`); events without records are left out. */
  deliverySummaries(eventSeqs: readonly number[]): Promise<Map<number, EventDeliverySummary>>;
  /** Upload requests that carried each record (by record id). */
  requestsPerRecord(eventSeq: number): Promise<Map<number, number>>;
  /** Events received in [sinceMs, untilMs] counted per minute of receipt and current status, oldest first. */
  countPerMinute(appId: string, sinceMs: number, untilMs: number): Promise<MinuteStatusCounts[]>;
  /**
   * Inserts rows in one statement (a backfill); an `event_id` the app already has is left
   * alone (idempotency on (app_id, event_id)), also within the call, and not counted as a
   * duplicate. Returns how many were new.
   */
  insertNew(rows: readonly NewEventRow[]): Promise<number>;
  /** The first `limit` events of the app after `afterSeq` that carry an anonymous user ID, in order. */
  anonymousUsersAfter(appId: string, afterSeq: number, limit: number): Promise<{ seq: number; anonymousUserId: string }[]>;
}

interface DbEvent {
  seq: number;
  app_id: string;
  event_id: string;
  event_name: string | null;
  user_key: string | null;
  user_id: string | null;
  anonymous_user_id: string | null;
  environment: string | null;
  received_at: number;
  event_created_at: number | null;
  status: string;
  reason: string | null;
  note?: string | null;
  duplicates: number;
  late: number;
  raw_body?: Buffer | Uint8Array | null;
}

interface DbRecord {
  id: number;
  kind: string;
  target: string;
  state: string;
  reason: string | null;
  attempts: number;
  last_code: number | null;
  last_message: string | null;
  generation: number;
  body_json: string;
  identifier_json: string | null;
  created_at: number;
  delivered_at: number | null;
  hold_until?: number | null;
}

interface DbAttempt {
  id: number;
  started_at: number;
  http_status: number | null;
  outcome: string;
  response_text: string | null;
  latency_ms: number;
  record_count: number;
}

const LIST_COLUMNS = 'seq, app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, note, duplicates, late';

// `duplicates` starts at copies - 1; a conflict adds every copy of this batch. RETURNING lets
// the caller tell a new row (duplicates = copies - 1) from a retry (anything larger).
export const INSERT_EVENT_SQL = `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment,
    received_at, event_created_at, status, reason, duplicates, raw_body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (app_id, event_id) DO UPDATE SET duplicates = events.duplicates + excluded.duplicates + 1
  RETURNING duplicates`;

/** Parameters of INSERT_EVENT_SQL for a row received `copies` times in one batch. */
export function insertEventParams(row: NewEventRow, copies: number): SqlValue[] {
  return [
    row.appId,
    row.eventId,
    row.eventName,
    row.userKey,
    row.userId,
    row.anonymousUserId,
    row.environment,
    row.receivedAt,
    row.eventCreatedAt,
    row.status,
    row.reason,
    copies - 1,
    row.rawBody,
  ];
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function fromDb(row: DbEvent): EventRecord {
  return {
    seq: Number(row.seq),
    appId: row.app_id,
    eventId: row.event_id,
    eventName: row.event_name,
    userKey: row.user_key,
    userId: row.user_id,
    anonymousUserId: row.anonymous_user_id,
    environment: row.environment,
    receivedAt: Number(row.received_at),
    eventCreatedAt: nullableNumber(row.event_created_at),
    status: row.status,
    reason: row.reason,
    note: row.note ?? null,
    duplicates: Number(row.duplicates),
    late: Number(row.late) === 1,
  };
}

export function createEventsRepo(q: Queryable): EventsRepo {
  return {
    async insertOrCountDuplicates(rows) {
      const fresh: boolean[] = [];
      for (const { row, copies } of rows) {
        const result = await q.get<{ duplicates: number }>(INSERT_EVENT_SQL, insertEventParams(row, copies));
        fresh.push(Number(result?.duplicates) === copies - 1);
      }
      return fresh;
    },

    async list(filter) {
      const { where, params } = eventFilterClauses(filter);
      if (filter.eventId !== undefined) {
        where.push('event_id = ?');
        params.push(filter.eventId);
      }
      if (filter.toMs !== undefined) {
        where.push('received_at < ?');
        params.push(filter.toMs);
      }
      if (filter.beforeSeq !== undefined) {
        where.push('seq < ?');
        params.push(filter.beforeSeq);
      }
      params.push(filter.limit);
      const rows = await q.all<DbEvent>(`SELECT ${LIST_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT ?`, params);
      return rows.map(fromDb);
    },

    async get(appId, eventId) {
      const row = await q.get<DbEvent>(`SELECT ${LIST_COLUMNS}, raw_body FROM events WHERE app_id = ? AND event_id = ?`, [appId, eventId]);
      if (!row) return null;
      const raw = row.raw_body;
      return { ...fromDb(row), rawBody: raw === null || raw === undefined ? null : Buffer.from(raw) };
    },

    async recordsOf(eventSeq) {
      const rows = await q.all<DbRecord>(
        `SELECT id, kind, target, state, reason, attempts, last_code, last_message, generation, body_json, identifier_json, created_at, delivered_at, hold_until
         FROM records WHERE event_seq = ? ORDER BY generation, id`,
        [eventSeq],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        kind: r.kind,
        target: r.target,
        state: r.state,
        reason: r.reason,
        attempts: Number(r.attempts),
        lastCode: nullableNumber(r.last_code),
        lastMessage: r.last_message,
        generation: Number(r.generation),
        bodyJson: r.body_json,
        identifierJson: r.identifier_json,
        createdAt: Number(r.created_at),
        deliveredAt: nullableNumber(r.delivered_at),
        holdUntil: nullableNumber(r.hold_until),
      }));
    },

    async attemptsOf(eventSeq) {
      const rows = await q.all<DbAttempt>(
        `SELECT a.id, a.started_at, a.http_status, a.outcome, a.response_text, a.latency_ms, a.record_count
         FROM attempts a
         WHERE a.id IN (SELECT ar.attempt_id FROM attempt_records ar JOIN records r ON r.id = ar.record_id WHERE r.event_seq = ?)
         ORDER BY a.started_at, a.id`,
        [eventSeq],
      );
      return rows.map((a) => ({
        id: Number(a.id),
        startedAt: Number(a.started_at),
        httpStatus: nullableNumber(a.http_status),
        outcome: a.outcome,
        responseText: a.response_text,
        latencyMs: Number(a.latency_ms),
        recordCount: Number(a.record_count),
      }));
    },
    async deliverySummaries(eventSeqs) {
      const out = new Map<number, EventDeliverySummary>();
      if (eventSeqs.length === 0) return out;
      const list = placeholders(eventSeqs.length);
      const records = await q.all<{
        event_seq: number;
        generation: number;
        state: string;
        attempts: number;
        last_code: number | null;
        last_message: string | null;
        created_at: number;
        delivered_at: number | null;
        hold_until: number | null;
        updated_at: number;
      }>(
        `SELECT event_seq, generation, state, attempts, last_code, last_message, created_at, delivered_at, hold_until, updated_at
           FROM records WHERE event_seq IN (${list})`,
        [...eventSeqs],
      );
      const requests = await q.all<{ event_seq: number; n: number }>(
        `SELECT r.event_seq, COUNT(DISTINCT ar.attempt_id) AS n
           FROM attempt_records ar JOIN records r ON r.id = ar.record_id
          WHERE r.event_seq IN (${list}) GROUP BY r.event_seq`,
        [...eventSeqs],
      );
      const latest = new Map<number, number>();
      for (const r of records) latest.set(Number(r.event_seq), Math.max(latest.get(Number(r.event_seq)) ?? 0, Number(r.generation)));
      const lastErrorAt = new Map<number, number>();
      for (const r of records) {
        const seq = Number(r.event_seq);
        if (Number(r.generation) !== latest.get(seq)) continue;
        const s = out.get(seq) ?? { requests: 0, retriesUsed: 0, lastError: null, deliveredAt: null, heldSince: null, holdUntil: null };
        s.retriesUsed = Math.max(s.retriesUsed, Number(r.attempts));
        if (r.state === 'delivered') {
          const at = nullableNumber(r.delivered_at);
          if (at !== null) s.deliveredAt = Math.max(s.deliveredAt ?? 0, at);
        }
        if (r.state === 'held') {
          const since = Number(r.created_at);
          s.heldSince = s.heldSince === null ? since : Math.min(s.heldSince, since);
          const until = nullableNumber(r.hold_until);
          if (until !== null) s.holdUntil = s.holdUntil === null ? until : Math.min(s.holdUntil, until);
        }
        if (r.state !== 'delivered' && (r.last_message !== null || r.last_code !== null)) {
          const at = Number(r.updated_at);
          if (at >= (lastErrorAt.get(seq) ?? -Infinity)) {
            lastErrorAt.set(seq, at);
            s.lastError = [r.last_code === null ? null : String(r.last_code), r.last_message].filter((x) => x !== null && x !== '').join(' ');
          }
        }
        out.set(seq, s);
      }
      // Delivered-at only once every record of the latest generation is delivered.
      for (const r of records) {
        const seq = Number(r.event_seq);
        if (Number(r.generation) === latest.get(seq) && r.state !== 'delivered') out.get(seq)!.deliveredAt = null;
      }
      for (const r of requests) {
        const s = out.get(Number(r.event_seq));
        if (s) s.requests = Number(r.n);
      }
      return out;
    },

    async requestsPerRecord(eventSeq) {
      const rows = await q.all<{ record_id: number; n: number }>(
        `SELECT ar.record_id, COUNT(*) AS n FROM attempt_records ar JOIN records r ON r.id = ar.record_id
          WHERE r.event_seq = ? GROUP BY ar.record_id`,
        [eventSeq],
      );
      return new Map(rows.map((r) => [Number(r.record_id), Number(r.n)]));
    },

    async countPerMinute(appId, sinceMs, untilMs) {
      const rows = await q.all<{ minute: number; status: string; n: number }>(
        `SELECT received_at / 60000 AS minute, status, COUNT(*) AS n
           FROM events WHERE app_id = ? AND received_at >= ? AND received_at <= ?
          GROUP BY received_at / 60000, status ORDER BY minute`,
        [appId, sinceMs, untilMs],
      );
      const byMinute = new Map<number, Record<string, number>>();
      for (const r of rows) {
        // Integer division on both dialects (received_at is an integer column).
        const minute = Math.floor(Number(r.minute));
        const counts = byMinute.get(minute) ?? {};
        counts[r.status] = (counts[r.status] ?? 0) + Number(r.n);
        byMinute.set(minute, counts);
      }
      return [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([minute, counts]) => ({ minute, counts }));
    },

    async insertNew(rows) {
      if (rows.length === 0) return 0;
      const params: SqlValue[] = [];
      for (const r of rows) {
        params.push(r.appId, r.eventId, r.eventName, r.userKey, r.userId, r.anonymousUserId, r.environment, r.receivedAt, r.eventCreatedAt, r.status, r.reason, r.rawBody);
      }
      const { changes } = await q.run(
        `INSERT INTO events (${NEW_EVENT_COLUMNS.join(', ')}) VALUES ${rows.map(() => NEW_EVENT_PLACEHOLDERS).join(', ')} ` + 'ON CONFLICT (app_id, event_id) DO NOTHING',
        params,
      );
      return changes;
    },

    async anonymousUsersAfter(appId, afterSeq, limit) {
      const rows = await q.all<{ seq: number; anonymous_user_id: string }>(
        `SELECT seq, anonymous_user_id FROM events WHERE app_id = ? AND seq > ? AND anonymous_user_id IS NOT NULL ORDER BY seq LIMIT ?`,
        [appId, afterSeq, limit],
      );
      return rows.map((r) => ({ seq: Number(r.seq), anonymousUserId: r.anonymous_user_id }));
    },
  };
}

/** Columns `insertNew` fills, in the order of its parameters. */
const NEW_EVENT_COLUMNS = [
  'app_id',
  'event_id',
  'event_name',
  'user_key',
  'user_id',
  'anonymous_user_id',
  'environment',
  'received_at',
  'event_created_at',
  'status',
  'reason',
  'raw_body',
] as const;

const NEW_EVENT_PLACEHOLDERS = `(${NEW_EVENT_COLUMNS.map(() => '?').join(', ')})`;
