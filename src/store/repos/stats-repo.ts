/**
 * The reads behind `GET /apps/{appId}/stats`: event counts of a window by current status, the
 * present backlog, delivery latency samples and per-minute counts. Each read goes through an
 * index (a test checks SQLite's plans of the two that could scan the records table).
 */
import type { Queryable } from '../db.js';

/** Most delivered records whose latency is read for the percentiles (the newest ones; p99 still rests on 100). */
export const MAX_LATENCY_SAMPLES = 10_000;

/**
 * Records waiting now (app id twice): two counts, each over its partial index
 * (records_open_by_user, records_held); one count over the three states reads every record.
 */
export const QUEUE_DEPTH_SQL = `SELECT (SELECT COUNT(*) FROM records WHERE app_id = ? AND state IN ('pending', 'in_flight'))
     + (SELECT COUNT(*) FROM records WHERE app_id = ? AND state = 'held') AS depth`;

/** Latency of the newest records delivered in a window (app id, since, until), over records_delivered. */
export const LATENCY_SAMPLES_SQL = `SELECT r.delivered_at - e.received_at AS latency
  FROM records r JOIN events e ON e.seq = r.event_seq
 WHERE r.app_id = ? AND r.state = 'delivered' AND r.delivered_at >= ? AND r.delivered_at <= ?
 ORDER BY r.delivered_at DESC LIMIT ${MAX_LATENCY_SAMPLES}`;

/** Events received in a window, and how many of them now have each status. */
export interface WindowEventCounts {
  received: number;
  delivered: number;
  failed: number;
  held: number;
  skipped: number;
  quarantined: number;
  late: number;
}

/** Events of one minute of receipt. */
export interface MinuteEventCounts {
  /** Start of the minute, epoch ms. */
  minuteStart: number;
  received: number;
  delivered: number;
  failed: number;
}

export interface StatsRepo {
  /** Events of `appId` received in [since, until], by current status. */
  eventCounts(appId: string, since: number, until: number): Promise<WindowEventCounts>;
  /** Records waiting now: pending, in flight or held (whatever their age). */
  queueDepth(appId: string): Promise<number>;
  /** Receipt-to-delivery ms of the newest {@link MAX_LATENCY_SAMPLES} records delivered in [since, until]. */
  latencySamples(appId: string, since: number, until: number): Promise<number[]>;
  /** Per minute of receipt in [since, until] (minutes without events left out), oldest first. */
  perMinute(appId: string, since: number, until: number): Promise<MinuteEventCounts[]>;
}

const n = (x: unknown): number => Number(x ?? 0);

export function createStatsRepo(q: Queryable): StatsRepo {
  return {
    async eventCounts(appId, since, until) {
      const row = await q.get<Record<string, unknown>>(
        `SELECT COUNT(*) AS received,
                SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
                SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
                SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END) AS held,
                SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
                SUM(CASE WHEN status = 'quarantined' THEN 1 ELSE 0 END) AS quarantined,
                SUM(CASE WHEN late = 1 THEN 1 ELSE 0 END) AS late
           FROM events WHERE app_id = ? AND received_at >= ? AND received_at <= ?`,
        [appId, since, until],
      );
      return {
        received: n(row?.received),
        delivered: n(row?.delivered),
        failed: n(row?.failed),
        held: n(row?.held),
        skipped: n(row?.skipped),
        quarantined: n(row?.quarantined),
        late: n(row?.late),
      };
    },

    async queueDepth(appId) {
      const row = await q.get<{ depth: unknown }>(QUEUE_DEPTH_SQL, [appId, appId]);
      return n(row?.depth);
    },

    async latencySamples(appId, since, until) {
      const rows = await q.all<{ latency: unknown }>(LATENCY_SAMPLES_SQL, [appId, since, until]);
      return rows.map((r) => n(r.latency));
    },

    async perMinute(appId, since, until) {
      const rows = await q.all<{ minute: unknown; received: unknown; delivered: unknown; failed: unknown }>(
        `SELECT received_at / 60000 AS minute, COUNT(*) AS received,
                SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
                SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
           FROM events WHERE app_id = ? AND received_at >= ? AND received_at <= ?
          GROUP BY received_at / 60000 ORDER BY minute`,
        [appId, since, until],
      );
      return rows.map((m) => ({ minuteStart: n(m.minute) * 60_000, received: n(m.received), delivered: n(m.delivered), failed: n(m.failed) }));
    },
  };
}
