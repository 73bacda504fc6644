import type { Store } from '../store/store.js';
import { createTransactionalBatchWriter, type EventBatchWriter, type NewEventRow } from '../store/repos/events-repo.js';

/** What happened to one webhook's row: stored as new, or counted as a retry of a stored one. */
export type IngestOutcome = 'stored' | 'duplicate';

export interface IngestWriter {
  /** Queues the row; resolves once the transaction holding it is committed (on disk). */
  write(row: NewEventRow): Promise<IngestOutcome>;
  /** Waits for every queued row to be committed (or to fail); later writes are refused. */
  close(): Promise<void>;
}

export interface IngestWriterOptions {
  store: Store;
  /**
   * Where batches are committed; default: `store.tx` on the main connection. The webhook route
   * passes `store.ingestWriter()` (on a SQLite file, a thread with its own connection).
   */
  batches?: EventBatchWriter;
  /** Largest number of rows in one transaction. */
  maxBatch?: number;
  /** Transactions in flight at once; default: what `batches` says. */
  maxInFlight?: number;
}

interface Pending {
  row: NewEventRow;
  resolve(outcome: IngestOutcome): void;
  reject(err: unknown): void;
}

/**
 * Group commit for webhook inserts: requests that arrive while a transaction is being written
 * (or within the same event-loop turn) share the next one, so N concurrent webhooks cost one
 * fsync instead of N. Each request's promise resolves only after its transaction commits.
 * Copies of one event in the same batch become one row plus a duplicate count.
 */
export function createIngestWriter(opts: IngestWriterOptions): IngestWriter {
  const { store } = opts;
  const batches = opts.batches ?? createTransactionalBatchWriter((fn) => store.tx((_repos, q) => fn(q)), store.dialect === 'sqlite' ? 1 : 4);
  const maxBatch = opts.maxBatch ?? 512;
  const maxInFlight = opts.maxInFlight ?? batches.maxInFlight;
  let queue: Pending[] = [];
  let inFlight = 0;
  let scheduled = false;
  let closed = false;
  const idle: (() => void)[] = [];

  function schedule(): void {
    if (scheduled || inFlight >= maxInFlight || queue.length === 0) return;
    scheduled = true;
    // setImmediate lets every request already read in this turn join the batch.
    setImmediate(() => {
      scheduled = false;
      while (inFlight < maxInFlight && queue.length > 0) {
        const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
        queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
        inFlight += 1;
        void flush(batch).finally(() => {
          inFlight -= 1;
          schedule();
          if (inFlight === 0 && queue.length === 0) for (const done of idle.splice(0)) done();
        });
      }
    });
  }

  async function flush(batch: Pending[]): Promise<void> {
    const merged = mergeCopies(batch);
    try {
      const fresh = await batches.insertBatch(merged.map((m) => ({ row: m.row, copies: m.waiters.length })));
      settle(merged, fresh);
    } catch (err) {
      if (merged.length === 1) {
        for (const w of merged[0]!.waiters) w.reject(err);
        return;
      }
      // One poisonous row must not fail its neighbours: retry each key in its own transaction.
      // (When the store is down these fail too, and each request answers 503.)
      await Promise.all(merged.map((m) => flush(m.waiters)));
    }
  }

  return {
    write(row) {
      if (closed) return Promise.reject(new Error('ingest writer is closed'));
      return new Promise<IngestOutcome>((resolve, reject) => {
        queue.push({ row, resolve, reject });
        schedule();
      });
    },
    close() {
      closed = true;
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

interface Merged {
  row: NewEventRow;
  waiters: Pending[];
}

/** Groups pending writes by (app, event_id), first copy first, keeping arrival order. */
function mergeCopies(batch: Pending[]): Merged[] {
  if (batch.length === 1) return [{ row: batch[0]!.row, waiters: batch }];
  const byKey = new Map<string, Merged>();
  for (const p of batch) {
    const key = `${p.row.appId}\u0000${p.row.eventId}`;
    const existing = byKey.get(key);
    if (existing) existing.waiters.push(p);
    else byKey.set(key, { row: p.row, waiters: [p] });
  }
  return [...byKey.values()];
}

function settle(merged: Merged[], fresh: boolean[]): void {
  merged.forEach((m, i) => {
    m.waiters.forEach((w, copy) => w.resolve(fresh[i] === true && copy === 0 ? 'stored' : 'duplicate'));
  });
}
