import type { Queryable } from '../db.js';

/** The answer of {@link DryRunsRepo.take}: a dry run may go, or the milliseconds to wait. */
export type DryRunTake = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * The dry runs with CleverTap each app made recently (`dry_runs`, migration 11): a sliding
 * window shared by every instance, so "at most N per app per minute" holds however many
 * instances answer the API.
 */
export interface DryRunsRepo {
  /**
   * Takes one dry run of `appId` at `now` when fewer than `limit` were taken in the `windowMs`
   * before; else says when the oldest of them leaves the window. Run it in a transaction: on
   * PostgreSQL it takes a per-app advisory lock for the rest of it, so two instances cannot
   * both take the last one.
   */
  take(appId: string, now: number, windowMs: number, limit: number): Promise<DryRunTake>;
}

// Two-key advisory lock space ("pcdr", schema + app): apart from the processing and claim locks.
const LOCK_CLASS = 0x70636472;

export function createDryRunsRepo(q: Queryable): DryRunsRepo {
  return {
    async take(appId, now, windowMs, limit) {
      if (q.dialect === 'postgres') await q.run('SELECT pg_advisory_xact_lock(?, hashtext(current_schema() || ?))', [LOCK_CLASS, `:${appId}`]);
      const since = now - windowMs;
      // Rows that left the window go first: the table stays at about `limit` rows per app.
      await q.run('DELETE FROM dry_runs WHERE app_id = ? AND at <= ?', [appId, since]);
      const rows = await q.all<{ at: number }>('SELECT at FROM dry_runs WHERE app_id = ? ORDER BY at DESC LIMIT ?', [appId, limit]);
      if (rows.length >= limit) {
        const oldest = Number(rows[rows.length - 1]!.at);
        return { ok: false, retryAfterMs: Math.max(1, oldest + windowMs - now) };
      }
      await q.run('INSERT INTO dry_runs (app_id, at) VALUES (?, ?)', [appId, now]);
      return { ok: true };
    },
  };
}
