import type { SqlValue } from '../db.js';

/** The filters the event log and a bulk replay share; times are `received_at` in epoch ms. */
export interface EventFilterFields {
  appId: string;
  statuses?: readonly string[] | undefined;
  eventNames?: readonly string[] | undefined;
  /** Matches `user_key`, `user_id` or `anonymous_user_id`. */
  userKey?: string | undefined;
  environment?: string | undefined;
  fromMs?: number | undefined;
}

/** `?, ?, …` for `n` parameters. */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** WHERE clauses (joined with AND by the caller) and their parameters for the shared filters of `events`. */
export function eventFilterClauses(filter: EventFilterFields): { where: string[]; params: SqlValue[] } {
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
  return { where, params };
}
