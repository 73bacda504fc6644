/**
 * The store reads behind /metrics. The gauges are read at scrape time (every instance reports
 * the same whole-store figures), so each read must stay cheap however large the tables grow:
 * each one goes through a partial index or a small table (a test checks SQLite's plans).
 */
import type { Queryable } from '../db.js';

/**
 * Open records by state, each part over its partial index (records_ready, records_held): one
 * query over the three states scans the whole table.
 */
export const OUTBOX_COUNTS_SQL = `SELECT state, COUNT(*) AS n FROM records WHERE state IN ('pending', 'in_flight') GROUP BY state
UNION ALL SELECT 'held' AS state, COUNT(*) AS n FROM records WHERE state = 'held'`;

/** Events stored and not processed yet, over the partial index events_to_process. */
export const RECEIVED_EVENTS_SQL = `SELECT COUNT(*) AS n FROM events WHERE status = 'received'`;

/** CleverTap accounts paused by a credential failure (one row per account: a small table). */
export const AUTH_FAILED_ACCOUNTS_SQL = `SELECT COUNT(*) AS n FROM accounts WHERE auth_state = 'auth_failed'`;

export interface MetricsRepo {
  /** Open records by state: `pending`, `in_flight`, `held` (0 when none). */
  outboxCounts(): Promise<Map<string, number>>;
  /** Events in status `received` (stored, waiting for processing). */
  receivedEvents(): Promise<number>;
  /** CleverTap accounts whose credentials were refused (delivery paused). */
  authFailedAccounts(): Promise<number>;
}

export function createMetricsRepo(q: Queryable): MetricsRepo {
  const count = async (sql: string): Promise<number> => Number((await q.get<{ n: number | string }>(sql))?.n ?? 0);
  return {
    async outboxCounts() {
      const counts = new Map<string, number>([
        ['pending', 0],
        ['in_flight', 0],
        ['held', 0],
      ]);
      for (const row of await q.all<{ state: string; n: number | string }>(OUTBOX_COUNTS_SQL)) counts.set(row.state, Number(row.n));
      return counts;
    },
    receivedEvents: () => count(RECEIVED_EVENTS_SQL),
    authFailedAccounts: () => count(AUTH_FAILED_ACCOUNTS_SQL),
  };
}
