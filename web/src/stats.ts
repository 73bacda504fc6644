/**
 * Reads `GET …/stats` into what the Overview draws. The reader is forgiving (several spellings
 * of a field, missing fields) so the dashboard keeps working while the API grows.
 */
import type { StatsOut } from './api.js';

/**
 * A stats answer as the Overview reads it: the contract's `StatsOut`, or whatever part of it a
 * bridge of another version sends (each field is checked before use).
 */
export type StatsAnswer = Partial<StatsOut> | Record<string, unknown>;

/** Stacked in this order; `other` is what `received` counts beyond the statuses given per minute. */
export const CHART_STATUSES = ['delivered', 'pending', 'held', 'failed', 'skipped', 'quarantined', 'other'] as const;

export interface MinutePoint {
  t: number;
  label: string;
  [status: string]: number | string;
}

export interface AccountHealth {
  key: string;
  health: string;
  pending?: number;
  inFlight?: number;
  concurrency?: number;
  delivered?: number;
  failed?: number;
  lastError?: string;
}

export interface OverviewStats {
  counters: { id: string; label: string; value: number | undefined }[];
  perMinute: MinutePoint[];
  latency: { name: string; ms: number }[];
  queueDepth: number | undefined;
  queueParts: { name: string; value: number }[];
  queueSeries: { label: string; depth: number }[];
  accounts: AccountHealth[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
const first = (o: Obj, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
};

function countOf(stats: Obj, status: string): number | undefined {
  const direct = num(stats[status]);
  if (direct !== undefined) return direct;
  for (const bag of ['counts', 'totals', 'byStatus', 'events']) {
    const b = stats[bag];
    if (isObj(b) && num(b[status]) !== undefined) return num(b[status]);
  }
  return undefined;
}

function toTime(v: unknown): number | undefined {
  if (typeof v === 'number') return v < 1e12 ? v * 1000 : v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function readLatency(stats: Obj): { name: string; ms: number }[] {
  const bag = first(stats, 'latency', 'latencyMs', 'deliveryLatency', 'deliveryLatencyMs');
  const src: Obj = isObj(bag) ? bag : stats;
  const out: { name: string; ms: number }[] = [];
  for (const p of ['p50', 'p95', 'p99']) {
    const v = num(first(src, p, `${p}Ms`, `latency${p.toUpperCase()}`, `latency_${p}`));
    if (v !== undefined) out.push({ name: p, ms: v });
  }
  return out;
}

function readQueue(stats: Obj): { depth: number | undefined; parts: { name: string; value: number }[] } {
  const q = first(stats, 'queueDepth', 'queue', 'queue_depth');
  if (num(q) !== undefined) return { depth: num(q), parts: [] };
  if (isObj(q)) {
    const parts = Object.entries(q)
      .filter(([k, v]) => num(v) !== undefined && k !== 'total')
      .map(([name, v]) => ({ name, value: num(v)! }));
    const total = num(q.total) ?? parts.reduce((s, p) => s + p.value, 0);
    return { depth: total, parts };
  }
  return { depth: undefined, parts: [] };
}

function readAccounts(stats: Obj): AccountHealth[] {
  const raw = stats.accounts;
  const list: Obj[] = Array.isArray(raw) ? raw.filter(isObj) : isObj(raw) ? Object.entries(raw).map(([key, v]) => ({ accountKey: key, ...(isObj(v) ? v : {}) })) : [];
  return list.map((a) => {
    const region = first(a, 'region');
    const accountId = first(a, 'accountId', 'account_id');
    const key = String(first(a, 'accountKey', 'account_key', 'key') ?? (region && accountId ? `${String(region)}:${String(accountId)}` : '?'));
    const health = String(first(a, 'health', 'authState', 'auth_state', 'state', 'status') ?? 'ok');
    const lastError = first(a, 'lastError', 'last_error', 'message');
    return {
      key,
      health,
      pending: num(first(a, 'pending', 'queueDepth', 'queued')),
      inFlight: num(first(a, 'inFlight', 'in_flight')),
      concurrency: num(first(a, 'concurrency', 'currentConcurrency', 'limit')),
      delivered: num(first(a, 'delivered')),
      failed: num(first(a, 'failed')),
      lastError: typeof lastError === 'string' ? lastError : undefined,
    };
  });
}

/** Each on its own in the Overview chart (issue 17: nothing lumped into "not delivered yet"); `received` = not processed yet. */
export const COUNT_STATUSES = ['delivered', 'pending', 'held', 'failed', 'skipped', 'quarantined', 'received'] as const;

/** `GET …/event-counts` as chart points: one bar segment per status. */
export function readEventCounts(raw: unknown): MinutePoint[] {
  const perMinute = isObj(raw) && Array.isArray(raw.perMinute) ? raw.perMinute.filter(isObj) : [];
  const out: MinutePoint[] = [];
  for (const m of perMinute) {
    const t = toTime(m.minute);
    if (t === undefined) continue;
    const counts = isObj(m.counts) ? m.counts : {};
    const point: MinutePoint = { t, label: new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) };
    for (const s of COUNT_STATUSES) point[s] = num(counts[s]) ?? 0;
    out.push(point);
  }
  return out.sort((a, b) => a.t - b.t);
}

/** Everything the Overview needs from one stats answer. */
export function readStats(raw: StatsAnswer | undefined): OverviewStats {
  const stats: Obj = isObj(raw) ? raw : {};
  const counters = [
    { id: 'received', label: 'Received' },
    { id: 'delivered', label: 'Delivered' },
    { id: 'failed', label: 'Failed' },
    { id: 'held', label: 'Held' },
    { id: 'skipped', label: 'Skipped' },
    { id: 'late', label: 'Late' },
    { id: 'quarantined', label: 'Quarantined' },
  ].map((c) => ({ ...c, value: countOf(stats, c.id) }));

  const perMinuteRaw = Array.isArray(stats.perMinute) ? stats.perMinute.filter(isObj) : [];
  const perMinute: MinutePoint[] = [];
  const queueSeries: { label: string; depth: number }[] = [];
  for (const m of perMinuteRaw) {
    const t = toTime(first(m, 'minute', 't', 'at', 'time', 'ts', 'start', 'bucket'));
    if (t === undefined) continue;
    const label = new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    const counts = isObj(m.counts) ? m.counts : isObj(m.byStatus) ? m.byStatus : m;
    const point: MinutePoint = { t, label };
    let known = 0;
    for (const s of CHART_STATUSES) {
      point[s] = num(counts[s]) ?? 0;
      known += point[s] as number;
    }
    // `received` counts every event of the minute; the statuses given are parts of it.
    const received = num(counts.received);
    if (received !== undefined && received > known) point.other = (point.other as number) + received - known;
    perMinute.push(point);
    const depth = num(first(m, 'queueDepth', 'queue'));
    if (depth !== undefined) queueSeries.push({ label, depth });
  }
  perMinute.sort((a, b) => a.t - b.t);

  const queue = readQueue(stats);
  return { counters, perMinute, latency: readLatency(stats), queueDepth: queue.depth, queueParts: queue.parts, queueSeries, accounts: readAccounts(stats) };
}
