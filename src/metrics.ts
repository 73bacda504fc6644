import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from './store/store.js';

/** Prometheus metrics of one process, on its own registry (no global default registry). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly webhooks: Counter<'outcome'>;
  readonly webhookLatency: Histogram<never>;
  /** When the last webhook arrived: background work yields to ingest while it is recent. */
  readonly activity: IngestActivity;
}

/**
 * When the last webhook arrived (epoch ms), in shared memory: the processing thread (SQLite)
 * reads it to take short slices while webhooks are arriving.
 */
export interface IngestActivity {
  /** Hand this to another thread and open it there with `openIngestActivity`. */
  readonly shared: SharedArrayBuffer;
  lastWebhookAt(): number;
  markWebhook(atMs: number): void;
}

export function openIngestActivity(shared: SharedArrayBuffer = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT)): IngestActivity {
  // One aligned 8-byte slot, written by one thread: a reader sees the old or the new time, and
  // either is good enough for "is ingest busy".
  const slot = new Float64Array(shared, 0, 1);
  return {
    shared,
    lastWebhookAt: () => slot[0]!,
    markWebhook(atMs) {
      slot[0] = atMs;
    },
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pcbridge_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'pcbridge_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'pcbridge_webhooks_total',
      help: 'Purchasely webhooks by outcome (stored, duplicate, quarantined, rejected)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    webhookLatency: new Histogram({
      name: 'pcbridge_webhook_seconds',
      help: 'Time to durably store and acknowledge a webhook',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    activity: openIngestActivity(),
  };
}

/** The metric already on the registry under `name`, else a new one (a second caller reuses it). */
export function reuseMetric<T>(registry: Registry, name: string, make: (base: { name: string; registers: Registry[] }) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make({ name, registers: [registry] });
}

/**
 * The gauges read from the store at scrape time, so every instance (whatever its role) reports
 * the same whole-store figures: open outbox records by state, events waiting for processing, and
 * CleverTap accounts paused by a credential failure. Registered once per registry; each read goes
 * through a partial index or a small table (see metrics-repo.ts). When the store is unreachable,
 * /metrics still answers, with the last figures read.
 */
export function registerStoreGauges(registry: Registry, store: Pick<Store, 'metrics'>): void {
  const repo = store.metrics;
  reuseMetric(
    registry,
    'pcbridge_outbox_records',
    (base) =>
      new Gauge({
        ...base,
        help: 'Records in the outbox that are not settled yet, by state: pending, in_flight, held (all instances)',
        labelNames: ['state'],
        async collect() {
          const counts = await repo.outboxCounts().catch(() => null);
          if (counts) for (const [state, n] of counts) this.set({ state }, n);
        },
      }),
  );
  reuseMetric(
    registry,
    'pcbridge_unprocessed_events',
    (base) =>
      new Gauge({
        ...base,
        help: 'Events stored and not processed yet (status received), all instances: the processing backlog',
        async collect() {
          const n = await repo.receivedEvents().catch(() => null);
          if (n !== null) this.set(n);
        },
      }),
  );
  reuseMetric(
    registry,
    'pcbridge_clevertap_accounts_auth_failed',
    (base) =>
      new Gauge({
        ...base,
        help: 'CleverTap accounts whose credentials were refused (401/403): their delivery is paused until the credentials change or the integration is resumed',
        async collect() {
          const n = await repo.authFailedAccounts().catch(() => null);
          if (n !== null) this.set(n);
        },
      }),
  );
}
