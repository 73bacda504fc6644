import type { AppContext } from '../context.js';
import type { Queryable } from '../store/db.js';
import { accountKeyOf } from '../clevertap/account-key.js';
import { loadIntegration } from '../settings/load-integration.js';

/** Most delivered records whose latency is read for the percentiles (the newest ones; p99 still rests on 100). */
export const MAX_LATENCY_SAMPLES = 10_000;

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface MinuteStats {
  /** Start of the minute, ISO 8601. */
  minute: string;
  received: number;
  delivered: number;
  failed: number;
}

/** `GET /apps/{appId}/stats` (SPEC §2). */
export interface AppStats {
  window: string;
  /** Events received in the window, and how many of them now have each status. */
  received: number;
  delivered: number;
  failed: number;
  held: number;
  skipped: number;
  quarantined: number;
  late: number;
  /** Records waiting now: pending, in flight or held (whatever their age). */
  queueDepth: number;
  /** Delivered record time minus its event's receipt, over records delivered in the window. */
  deliveryLatencyMs: LatencyPercentiles | null;
  /** Per minute of receipt (minutes without events are left out), oldest first. */
  perMinute: MinuteStats[];
  /** The accounts the integration sends to, with their authentication state. */
  accounts: { accountKey: string; authState: string }[];
}

/** Nearest-rank percentile of an ascending array (`p` in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

/** p50 / p95 / p99 of the samples, or null when there are none. */
export function latencyPercentiles(samples: readonly number[]): LatencyPercentiles | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

const n = (x: unknown): number => Number(x ?? 0);

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

/**
 * Counts for one app over the window ending now. Event counts are by `received_at` and current
 * status; latency by `delivered_at`; queue depth is the present backlog.
 */
export async function readAppStats(ctx: AppContext, appId: string, window: { text: string; ms: number }): Promise<AppStats> {
  const q: Queryable = ctx.store.db;
  const now = ctx.clock.now();
  const since = now - window.ms;

  const counts = await q.get<Record<string, unknown>>(
    `SELECT COUNT(*) AS received,
            SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
            SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
            SUM(CASE WHEN status = 'held' THEN 1 ELSE 0 END) AS held,
            SUM(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped,
            SUM(CASE WHEN status = 'quarantined' THEN 1 ELSE 0 END) AS quarantined,
            SUM(CASE WHEN late = 1 THEN 1 ELSE 0 END) AS late
       FROM events WHERE app_id = ? AND received_at >= ? AND received_at <= ?`,
    [appId, since, now],
  );

  const queue = await q.get<{ depth: unknown }>(QUEUE_DEPTH_SQL, [appId, appId]);
  const latencies = await q.all<{ latency: unknown }>(LATENCY_SAMPLES_SQL, [appId, since, now]);

  const minutes = await q.all<{ minute: unknown; received: unknown; delivered: unknown; failed: unknown }>(
    `SELECT received_at / 60000 AS minute, COUNT(*) AS received,
            SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
            SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed
       FROM events WHERE app_id = ? AND received_at >= ? AND received_at <= ?
      GROUP BY received_at / 60000 ORDER BY minute`,
    [appId, since, now],
  );

  return {
    window: window.text,
    received: n(counts?.received),
    delivered: n(counts?.delivered),
    failed: n(counts?.failed),
    held: n(counts?.held),
    skipped: n(counts?.skipped),
    quarantined: n(counts?.quarantined),
    late: n(counts?.late),
    queueDepth: n(queue?.depth),
    deliveryLatencyMs: latencyPercentiles(latencies.map((r) => n(r.latency))),
    perMinute: minutes.map((m) => ({
      minute: new Date(n(m.minute) * 60_000).toISOString(),
      received: n(m.received),
      delivered: n(m.delivered),
      failed: n(m.failed),
    })),
    accounts: await readAccountStates(ctx, appId),
  };
}

async function readAccountStates(ctx: AppContext, appId: string): Promise<AppStats['accounts']> {
  const { settings } = await loadIntegration(ctx.store, appId);
  const keys: string[] = [];
  if (settings.accountId !== '') keys.push(accountKeyOf(settings.region, settings.accountId));
  if (settings.sandbox === 'sandbox_account' && settings.sandboxAccount.accountId !== '') {
    const key = accountKeyOf(settings.sandboxAccount.region, settings.sandboxAccount.accountId);
    if (!keys.includes(key)) keys.push(key);
  }
  const out: AppStats['accounts'] = [];
  for (const accountKey of keys) {
    const row = await ctx.store.db.get<{ auth_state: string }>('SELECT auth_state FROM accounts WHERE account_key = ?', [accountKey]);
    out.push({ accountKey, authState: row?.auth_state ?? 'ok' });
  }
  return out;
}
