import type { Queryable, SqlValue } from '../db.js';

/**
 * The bucket of requests addressed to an app id that does not exist. Real app ids are never
 * empty, so this cannot collide with one.
 */
export const UNKNOWN_APP_BUCKET = '';

/** A refused webhook request as stored (`webhook_rejections`, migration 12); never its body. */
export interface RejectionRow {
  /** The app's id, or {@link UNKNOWN_APP_BUCKET} for an unknown app id. */
  bucket: string;
  /** The app id the request named (for an unknown app: as given, made storable). */
  appId: string;
  /** When it was refused (epoch ms). */
  at: number;
  source: string;
  reason: string;
  skewSeconds: number | null;
  size: number;
}

interface DbRejection {
  app_id: string;
  at: number | string;
  source: string;
  reason: string;
  skew_seconds: number | string | null;
  size: number | string;
}

/**
 * Refused webhook requests, kept bounded per bucket: `insert` writes many in one statement
 * (batch-first), `trim` keeps each bucket's newest rows.
 */
export interface RejectionsRepo {
  /**
   * PostgreSQL: serialises the writers of the table (every instance's flush) until the
   * transaction ends, so each trim sees the rows every other flush committed and the bound is
   * exact. SQLite has one writer at a time anyway.
   */
  lockForWrite(): Promise<void>;
  insert(rows: readonly RejectionRow[]): Promise<void>;
  /**
   * Deletes all but the newest `keep` rows (by time, then id) of each bucket. Only older rows are
   * deleted, so two instances trimming at once never keep fewer than `keep`.
   */
  trim(buckets: readonly string[], keep: number): Promise<number>;
  /** A bucket's newest rows first, at most `limit`. */
  list(bucket: string, limit: number): Promise<RejectionRow[]>;
  /** Rows of a bucket per reason since `sinceMs`. */
  countByReason(bucket: string, sinceMs: number): Promise<Record<string, number>>;
}

/** Rows per INSERT statement: 8 parameters each, far below both databases' limits. */
const ROWS_PER_INSERT = 250;

// Two-key advisory lock space ("pcrj", schema): apart from the processing, claim and dry-run locks.
const LOCK_CLASS = 0x7063726a;

export function createRejectionsRepo(q: Queryable): RejectionsRepo {
  return {
    async lockForWrite() {
      if (q.dialect === 'postgres') await q.run('SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))', [LOCK_CLASS]);
    },

    async insert(rows) {
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        const part = rows.slice(i, i + ROWS_PER_INSERT);
        const params: SqlValue[] = [];
        for (const r of part) params.push(r.bucket, r.appId, r.at, r.source, r.reason, r.skewSeconds, r.size);
        await q.run(`INSERT INTO webhook_rejections (bucket, app_id, at, source, reason, skew_seconds, size) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`, params);
      }
    },

    async trim(buckets, keep) {
      let deleted = 0;
      for (const bucket of buckets) {
        // The oldest row to keep; everything older goes (the index walks `keep` entries).
        const edge = await q.get<{ at: number | string; id: number | string }>(
          'SELECT at, id FROM webhook_rejections WHERE bucket = ? ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?',
          [bucket, keep - 1],
        );
        if (!edge) continue;
        const at = Number(edge.at);
        const result = await q.run('DELETE FROM webhook_rejections WHERE bucket = ? AND (at < ? OR (at = ? AND id < ?))', [bucket, at, at, Number(edge.id)]);
        deleted += result.changes;
      }
      return deleted;
    },

    async list(bucket, limit) {
      const rows = await q.all<DbRejection>('SELECT app_id, at, source, reason, skew_seconds, size FROM webhook_rejections WHERE bucket = ? ORDER BY at DESC, id DESC LIMIT ?', [
        bucket,
        limit,
      ]);
      return rows.map((r) => ({
        bucket,
        appId: r.app_id,
        at: Number(r.at),
        source: r.source,
        reason: r.reason,
        skewSeconds: r.skew_seconds === null ? null : Number(r.skew_seconds),
        size: Number(r.size),
      }));
    },

    async countByReason(bucket, sinceMs) {
      const rows = await q.all<{ reason: string; n: number | string }>('SELECT reason, COUNT(*) AS n FROM webhook_rejections WHERE bucket = ? AND at >= ? GROUP BY reason', [
        bucket,
        sinceMs,
      ]);
      return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
    },
  };
}
