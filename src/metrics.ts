import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
