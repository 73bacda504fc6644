import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UploadOutcome } from '../clevertap/upload-client.js';
import type { Store } from '../store/store.js';
import type { RecordFate } from './plan-outcome.js';

/** Prometheus metrics of the delivery engine, on the process's own registry. */
export interface DeliveryMetrics {
  /** One CleverTap call answered (or failed to be). */
  countRequest(outcome: UploadOutcome, records: number): void;
  /** The fates of a call's records, once they are committed. */
  countFates(fates: readonly RecordFate[]): void;
}

/** Outbox states worth watching: what waits to be sent, and what waits for an identity. */
const OPEN_STATES = ['pending', 'in_flight', 'held'] as const;

/**
 * Open records by state, each part over its partial index (records_ready, records_held): one
 * query over the three states scans the whole table.
 */
export const OUTBOX_COUNTS_SQL = `SELECT state, COUNT(*) AS n FROM records WHERE state IN ('pending', 'in_flight') GROUP BY state
UNION ALL SELECT 'held' AS state, COUNT(*) AS n FROM records WHERE state = 'held'`;

/**
 * The delivery metrics, registered once per registry (a second engine on the same registry, e.g.
 * in tests, reuses them). The outbox gauge is read from the store at scrape time, so every
 * instance reports the same whole-outbox figures.
 */
export function createDeliveryMetrics(registry: Registry, store: Store): DeliveryMetrics {
  /** The metric already on the registry under `name`, else a new one. */
  const reuse = <T>(name: string, make: (base: { name: string; registers: Registry[] }) => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make({ name, registers: [registry] });
  const requests = reuse('pcbridge_clevertap_requests_total', (base) =>
    new Counter({ ...base, help: 'CleverTap upload calls by outcome (success, partial, retryable, throttled, auth_failed, bad_request)', labelNames: ['outcome'] }),
  );
  const latency = reuse('pcbridge_clevertap_request_seconds', (base) =>
    new Histogram({ ...base, help: 'Time CleverTap took to answer an upload call', buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] }),
  );
  const sent = reuse('pcbridge_clevertap_records_sent_total', (base) =>
    new Counter({ ...base, help: 'Records carried by upload calls (retries count again)' }),
  );
  const fates = reuse('pcbridge_records_settled_total', (base) =>
    new Counter({ ...base, help: 'Records after a CleverTap answer: delivered, failed (permanently) or retry (scheduled again)', labelNames: ['fate'] }),
  );
  reuse('pcbridge_outbox_records', (base) =>
    new Gauge({
      ...base,
      help: 'Records in the outbox that are not settled yet, by state (all instances)',
      labelNames: ['state'],
      async collect() {
        const counts = new Map<string, number>(OPEN_STATES.map((s) => [s, 0]));
        let rows: { state: string; n: number }[];
        try {
          rows = await store.db.all(OUTBOX_COUNTS_SQL);
        } catch {
          return; // store unreachable: /metrics still answers, with the last figures
        }
        for (const row of rows) counts.set(row.state, Number(row.n));
        for (const [state, n] of counts) this.set({ state }, n);
      },
    }),
  );

  return {
    countRequest(outcome, records) {
      requests.inc({ outcome: outcome.kind });
      latency.observe(outcome.latencyMs / 1000);
      sent.inc(records);
    },
    countFates(list) {
      let delivered = 0;
      let failed = 0;
      let retry = 0;
      for (const f of list) {
        if (f.fate === 'delivered') delivered += 1;
        else if (f.fate === 'failed') failed += 1;
        else retry += 1;
      }
      if (delivered > 0) fates.inc({ fate: 'delivered' }, delivered);
      if (failed > 0) fates.inc({ fate: 'failed' }, failed);
      if (retry > 0) fates.inc({ fate: 'retry' }, retry);
    },
  };
}
