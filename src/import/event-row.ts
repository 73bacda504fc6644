import type { Queryable, SqlValue } from '../store/db.js';
import type { NewEventRow } from '../store/repos/events-repo.js';

export type { NewEventRow };

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
  'reason',
  'raw_body',
] as const;

const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(', ')})`;

/**
 * Inserts rows built by the webhook's own `buildEventRow` in one statement; an `event_id` the
 * app already has is left alone (idempotency on (app_id, event_id)), also within the batch.
 * Returns how many were new.
 */
export async function insertEventRows(q: Queryable, rows: readonly NewEventRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const params: SqlValue[] = [];
  for (const r of rows) {
    params.push(r.appId, r.eventId, r.eventName, r.userKey, r.userId, r.anonymousUserId, r.environment, r.receivedAt, r.eventCreatedAt, r.status, r.reason, r.rawBody);
  }
  const sql =
    `INSERT INTO events (${COLUMNS.join(', ')}) VALUES ${rows.map(() => ROW_PLACEHOLDERS).join(', ')} ` +
    'ON CONFLICT (app_id, event_id) DO NOTHING';
  const { changes } = await q.run(sql, params);
  return changes;
}
