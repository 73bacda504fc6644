import { Counter, Histogram, type Registry } from 'prom-client';
import type { UploadOutcome } from '../clevertap/upload-client.js';
import { registerStoreGauges, reuseMetric } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { RecordFate } from './plan-outcome.js';

/** Prometheus metrics of the delivery engine, on the process's own registry. */
export interface DeliveryMetrics {
  /** One CleverTap call answered (or failed to be). */
  countRequest(outcome: UploadOutcome, records: number): void;
  /**
   * The fates of a call's records, once they are committed, and for each delivered record the
   * ms from its event's receipt by the webhook to its delivery (the latency histogram).
   */
  countFates(fates: readonly RecordFate[], deliveredLatenciesMs: readonly number[]): void;
}

/** Re-exported for the query-plan test: the outbox gauge's read (see metrics-repo.ts). */
export { OUTBOX_COUNTS_SQL } from '../store/repos/metrics-repo.js';

/** Buckets of the receipt-to-delivery histogram: from a prompt delivery to a day of retries or holding. */
const DELIVERY_LATENCY_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600];

/**
 * The delivery metrics, registered once per registry (a second engine on the same registry, e.g.
 * in tests, reuses them). The store gauges (outbox by state, unprocessed events, paused accounts)
 * are read at scrape time, so every instance reports the same whole-store figures.
 */
export function createDeliveryMetrics(registry: Registry, store: Store): DeliveryMetrics {
  const reuse = <T>(name: string, make: (base: { name: string; registers: Registry[] }) => T): T => reuseMetric(registry, name, make);
  const requests = reuse(
    'pcbridge_clevertap_requests_total',
    (base) =>
      new Counter({
        ...base,
        help: 'CleverTap upload calls (delivery attempts, one `attempts` row each) by outcome: success, partial, retryable, throttled, auth_failed, bad_request',
        labelNames: ['outcome'],
      }),
  );
  const latency = reuse(
    'pcbridge_clevertap_request_seconds',
    (base) => new Histogram({ ...base, help: 'Time CleverTap took to answer an upload call', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] }),
  );
  const sent = reuse('pcbridge_clevertap_records_sent_total', (base) => new Counter({ ...base, help: 'Records carried by upload calls (retries count again)' }));
  const fates = reuse(
    'pcbridge_records_settled_total',
    (base) => new Counter({ ...base, help: 'Records after a CleverTap answer: delivered, failed (permanently) or retry (scheduled again)', labelNames: ['fate'] }),
  );
  const deliveryLatency = reuse(
    'pcbridge_delivery_latency_seconds',
    (base) =>
      new Histogram({
        ...base,
        help: "Time from an event's receipt by the webhook to the delivery of each of its records (held, retried and replayed records count their whole wait)",
        buckets: DELIVERY_LATENCY_BUCKETS,
      }),
  );
  registerStoreGauges(registry, store);

  return {
    countRequest(outcome, records) {
      requests.inc({ outcome: outcome.kind });
      latency.observe(outcome.latencyMs / 1000);
      sent.inc(records);
    },
    countFates(list, deliveredLatenciesMs) {
      let delivered = 0;
      let failed = 0;
      let retry = 0;
      for (const f of list) {
        if (f.fate === 'delivered') delivered += 1;
        else if (f.fate === 'failed') failed += 1;
        else retry += 1;
      }
      if (delivered > 0) fates.inc({ fate: 'delivered' }, delivered);
      for (const ms of deliveredLatenciesMs) deliveryLatency.observe(Math.max(0, ms) / 1000);
      if (failed > 0) fates.inc({ fate: 'failed' }, failed);
      if (retry > 0) fates.inc({ fate: 'retry' }, retry);
    },
  };
}
