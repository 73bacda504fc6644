/**
 * The delivery log (migration 002): one `attempts` row per HTTP call to CleverTap, linked to
 * the records it carried through `attempt_records`.
 */
import type { Queryable } from '../db.js';

/** One HTTP call as logged. */
export interface AttemptRow {
  appId: string;
  accountKey: string;
  startedAt: number;
  latencyMs: number;
  httpStatus: number | null;
  /** The outcome kind: success, partial, retryable, throttled, auth_failed, bad_request. */
  outcome: string;
  /** CleverTap's answer (or our description of a network failure), already truncated. */
  responseText: string | null;
  recordCount: number;
}

export interface AttemptsRepo {
  /** Inserts the attempt and its record links; returns the attempt id. */
  insert(attempt: AttemptRow, recordIds: readonly number[]): Promise<number>;
}

const LINKS_PER_STATEMENT = 400;

export function createAttemptsRepo(q: Queryable): AttemptsRepo {
  return {
    async insert(a, recordIds) {
      const row = await q.get<{ id: number }>(
        `INSERT INTO attempts (app_id, account_key, started_at, latency_ms, http_status, outcome, response_text, record_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [a.appId, a.accountKey, a.startedAt, a.latencyMs, a.httpStatus, a.outcome, a.responseText, a.recordCount],
      );
      const id = Number(row!.id);
      for (let i = 0; i < recordIds.length; i += LINKS_PER_STATEMENT) {
        const part = recordIds.slice(i, i + LINKS_PER_STATEMENT);
        await q.run(
          `INSERT INTO attempt_records (attempt_id, record_id) VALUES ${part.map(() => '(?, ?)').join(',')}`,
          part.flatMap((recordId) => [id, recordId]),
        );
      }
      return id;
    },
  };
}
