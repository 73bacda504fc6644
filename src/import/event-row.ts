import type { ParsedEvent } from '../purchasely/payload.js';
import type { Queryable, SqlValue } from '../store/db.js';

/**
 * One `events` row exactly as the webhook stores a usable event: status `received`, the
 * parsed keys in their columns, the raw bytes kept for the log and for replays.
 */
export interface NewEventRow {
  appId: string;
  eventId: string;
  eventName: string;
  userKey: string | null;
  userId: string | null;
  anonymousUserId: string | null;
  environment: string | null;
  receivedAt: number;
  eventCreatedAt: number;
  rawBody: Buffer;
}

const COLUMNS = [
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
  'raw_body',
] as const;

const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(', ')})`;

/** Builds the row of a parsed payload received (or imported) at `receivedAt`. */
export function toEventRow(appId: string, event: ParsedEvent, rawBody: Buffer, receivedAt: number): NewEventRow {
  return {
    appId,
    eventId: event.eventId,
    eventName: event.eventName,
    userKey: event.userKey,
    userId: event.userId,
    anonymousUserId: event.anonymousUserId,
    environment: event.environment,
    receivedAt,
    eventCreatedAt: event.eventCreatedAtMs,
    rawBody,
  };
}

/**
 * Inserts the rows in one statement; an `event_id` the app already has is left alone
 * (idempotency on (app_id, event_id)), also within the batch. Returns how many were new.
 */
export async function insertEventRows(q: Queryable, rows: readonly NewEventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const params: SqlValue[] = [];
  for (const r of rows) {
    params.push(r.appId, r.eventId, r.eventName, r.userKey, r.userId, r.anonymousUserId, r.environment, r.receivedAt, r.eventCreatedAt, 'received', r.rawBody);
  }
  const sql =
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES ${rows.map(() => ROW_PLACEHOLDERS).join(', ')} ` +
    'ON CONFLICT (app_id, event_id) DO NOTHING';
  const { changes } = await q.run(sql, params);
  return changes;
}
