import type { AppContext } from '../context.js';
import { accountKeyOf } from '../clevertap/account-key.js';
import { loadIntegration } from '../settings/load-integration.js';
import type { WindowEventCounts } from '../store/repos/stats-repo.js';

export { MAX_LATENCY_SAMPLES } from '../store/repos/stats-repo.js';

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
export interface AppStats extends WindowEventCounts {
  window: string;
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

/**
 * Counts for one app over the window ending now. Event counts are by `received_at` and current
 * status; latency by `delivered_at`; queue depth is the present backlog.
 */
export async function readAppStats(ctx: AppContext, appId: string, window: { text: string; ms: number }): Promise<AppStats> {
  const { stats } = ctx.store;
  const now = ctx.clock.now();
  const since = now - window.ms;

  const counts = await stats.eventCounts(appId, since, now);
  const queueDepth = await stats.queueDepth(appId);
  const latencies = await stats.latencySamples(appId, since, now);
  const minutes = await stats.perMinute(appId, since, now);

  return {
    window: window.text,
    ...counts,
    queueDepth,
    deliveryLatencyMs: latencyPercentiles(latencies),
    perMinute: minutes.map((m) => ({
      minute: new Date(m.minuteStart).toISOString(),
      received: m.received,
      delivered: m.delivered,
      failed: m.failed,
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
    const account = await ctx.store.accounts.get(accountKey);
    out.push({ accountKey, authState: account?.authState ?? 'ok' });
  }
  return out;
}
