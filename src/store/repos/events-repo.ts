import type { Queryable, SqlValue } from '../db.js';

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

/** An `events` row as the log shows it (without the raw body). */
export interface EventRecord {
  seq: number;
  appId: string;
  eventId: string;
  eventName: string | null;
  userKey: string | null;
  userId: string | null;
  anonymousUserId: string | null;
  environment: string | null;
  receivedAt: number;
  eventCreatedAt: number | null;
  status: string;
  reason: string | null;
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

export interface EventsRepo {
  /**
   * Inserts each row, or counts a duplicate when (app_id, event_id) is already stored.
   * Rows of one call with the same key must be merged by the caller first (`copies` > 1):
   * PostgreSQL refuses to touch one row twice in a statement. Returns, per row, whether it
   * was new. Meant to run inside `store.tx` so that a whole batch costs one commit.
   */
  insertOrCountDuplicates(rows: readonly { row: NewEventRow; copies: number }[]): Promise<boolean[]>;
  list(filter: EventFilter): Promise<EventRecord[]>;
  get(appId: string, eventId: string): Promise<EventWithBody | null>;
  recordsOf(eventSeq: number): Promise<EventRecordRow[]>;
  attemptsOf(eventSeq: number): Promise<EventAttemptRow[]>;
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

const LIST_COLUMNS =
  'seq, app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, note, duplicates, late';

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

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
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
      const where: string[] = ['app_id = ?'];
      const params: SqlValue[] = [filter.appId];
      if (filter.statuses && filter.statuses.length > 0) {
        where.push(`status IN (${placeholders(filter.statuses.length)})`);
        params.push(...filter.statuses);
      }
      if (filter.eventNames && filter.eventNames.length > 0) {
        where.push(`event_name IN (${placeholders(filter.eventNames.length)})`);
        params.push(...filter.eventNames);
      }
      if (filter.userKey !== undefined) {
        where.push('(user_key = ? OR user_id = ? OR anonymous_user_id = ?)');
        params.push(filter.userKey, filter.userKey, filter.userKey);
      }
      if (filter.environment !== undefined) {
        where.push('environment = ?');
        params.push(filter.environment);
      }
      if (filter.fromMs !== undefined) {
        where.push('received_at >= ?');
        params.push(filter.fromMs);
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
        `SELECT id, kind, target, state, reason, attempts, last_code, last_message, generation, body_json, identifier_json, created_at, delivered_at
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
  };
}
