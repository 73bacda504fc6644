import { Counter, type Registry } from 'prom-client';

/** A count the loop adds to (a prom-client Counter, or a relay from the processing thread). */
export interface Count {
  inc(value?: number): void;
}

/** What the processing loop counts. */
export interface ProcessingCounters {
  readonly events: Count;
  readonly records: Count;
  readonly holdsExpired: Count;
}

/** Prometheus counters of the processing loop, on the process's own registry. */
export interface ProcessingMetrics extends ProcessingCounters {
  /** Events taken out of `received`. */
  readonly events: Counter<never>;
  /** Records written to the outbox. */
  readonly records: Counter<never>;
  /** Events whose held records expired (`skipped: no_identity`). */
  readonly holdsExpired: Counter<never>;
}

/**
 * The processing counters, registered once per registry (a second worker on the same
 * registry, e.g. in tests, reuses them instead of failing on a duplicate name).
 */
export function createProcessingMetrics(registry: Registry): ProcessingMetrics {
  const counter = (name: string, help: string): Counter<never> =>
    (registry.getSingleMetric(name) as Counter<never> | undefined) ?? new Counter({ name, help, registers: [registry] });
  return {
    events: counter('pcbridge_processed_events_total', 'Stored events processed (folded and mapped, or skipped with a reason)'),
    records: counter('pcbridge_outbox_records_written_total', 'CleverTap records written to the outbox by processing'),
    holdsExpired: counter('pcbridge_held_expired_events_total', 'Events whose held records were skipped: no_identity after holdFor'),
  };
}
