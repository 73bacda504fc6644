import type { Store } from '../store/store.js';
import { createTransactionalBatchWriter, type EventBatchWriter, type NewEventRow } from '../store/repos/events-repo.js';

/** What happened to one webhook's row: stored as new, or counted as a retry of a stored one. */
export type IngestOutcome = 'stored' | 'duplicate';

/** What happened to one received body: its row's outcome, and whether that row is quarantined. */
export interface ReceiveOutcome {
  outcome: IngestOutcome;
  quarantined: boolean;
}

export interface IngestWriter {
  /** Queues the row; resolves once the transaction holding it is committed (on disk). */
  write(row: NewEventRow): Promise<IngestOutcome>;
  /**
   * Queues a signed body as received; where the batch is committed, it is parsed into its row
   * (`buildEventRow`; on SQLite in the ingest thread). Resolves once committed (on disk).
   */
  receive(appId: string, rawBody: Buffer, receivedAt: number): Promise<ReceiveOutcome>;
  /** Waits for every queued row to be committed (or to fail); later writes are refused. */
  close(): Promise<void>;
}

export interface IngestWriterOptions {
  store: Store;
  /**
   * Where batches are committed; default: `store.tx` on the main connection. The webhook route
   * passes `store.ingestWriter(EVENT_ROW_BUILDER)` (on a SQLite file, a thread with its own
   * connection, which parses the bodies too).
   */
  batches?: EventBatchWriter;
  /** Largest number of rows in one transaction. */
  maxBatch?: number;
  /** Transactions in flight at once; default: what `batches` says. */
  maxInFlight?: number;
}

/**
 * Group commit for webhook inserts: requests that arrive while a transaction is being written
 * (or within the same event-loop turn) share the next one, so N concurrent webhooks cost one
 * fsync instead of N. Each request's promise resolves only after its transaction commits.
 * A failing batch is retried item by item, so one poisonous row fails alone.
 */
export function createIngestWriter(opts: IngestWriterOptions): IngestWriter {
  const { store } = opts;
  const batches = opts.batches ?? createTransactionalBatchWriter((fn) => store.tx((_repos, q) => fn(q)), store.dialect === 'sqlite' ? 1 : 4, null);
  const limits = { maxBatch: opts.maxBatch ?? 512, maxInFlight: opts.maxInFlight ?? batches.maxInFlight };
  let closed = false;
  // Built rows: copies of an event in a batch become one row + a duplicate count.
  const rows = createGroupCommit<NewEventRow, IngestOutcome>(limits, async (batch) => {
    const merged = mergeCopies(batch);
    const fresh = await batches.insertBatch(merged.map((m) => ({ row: m.row, copies: m.indexes.length })));
    const outcomes: IngestOutcome[] = new Array(batch.length);
    merged.forEach((m, i) => m.indexes.forEach((index, copy) => (outcomes[index] = fresh[i] === true && copy === 0 ? 'stored' : 'duplicate')));
    return outcomes;
  });
  // Bodies as received: copies are inserted in turn (the first is new, the others count).
  const received = createGroupCommit<{ appId: string; rawBody: Buffer; receivedAt: number }, ReceiveOutcome>(limits, async (batch) =>
    (await batches.insertReceived(batch)).map((o) => ({ outcome: o.fresh ? 'stored' : 'duplicate', quarantined: o.quarantined })),
  );

  return {
    write(row) {
      if (closed) return Promise.reject(new Error('ingest writer is closed'));
      return rows.push(row);
    },
    receive(appId, rawBody, receivedAt) {
      if (closed) return Promise.reject(new Error('ingest writer is closed'));
      return received.push({ appId, rawBody, receivedAt });
    },
    async close() {
      closed = true;
      await Promise.all([rows.idle(), received.idle()]);
    },
  };
}

interface GroupCommit<I, O> {
  push(item: I): Promise<O>;
  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void>;
}

interface Pending<I, O> {
  item: I;
  resolve(outcome: O): void;
  reject(err: unknown): void;
}

/** Queues items and commits them in batches (`commit` answers per item, in order). */
function createGroupCommit<I, O>(limits: { maxBatch: number; maxInFlight: number }, commit: (batch: I[]) => Promise<O[]>): GroupCommit<I, O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;
  const idle: (() => void)[] = [];

  function schedule(): void {
    if (scheduled || inFlight >= limits.maxInFlight || queue.length === 0) return;
    scheduled = true;
    // setImmediate lets every request already read in this turn join the batch.
    setImmediate(() => {
      scheduled = false;
      while (inFlight < limits.maxInFlight && queue.length > 0) {
        const batch = queue.length <= limits.maxBatch ? queue : queue.slice(0, limits.maxBatch);
        queue = queue.length <= limits.maxBatch ? [] : queue.slice(limits.maxBatch);
        inFlight += 1;
        void flush(batch).finally(() => {
          inFlight -= 1;
          schedule();
          if (inFlight === 0 && queue.length === 0) for (const done of idle.splice(0)) done();
        });
      }
    });
  }

  async function flush(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outcomes = await commit(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // One poisonous row must not fail its neighbours: retry each in its own transaction.
      // (When the store is down these fail too, and each request answers 503.)
      await Promise.all(batch.map((p) => flush([p])));
    }
  }

  return {
    push(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    idle() {
      if (inFlight === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}

interface Merged {
  row: NewEventRow;
  /** Positions in the batch of this row's copies, first copy first. */
  indexes: number[];
}

/** Groups a batch's rows by (app, event_id), first copy first, keeping arrival order. */
function mergeCopies(batch: NewEventRow[]): Merged[] {
  if (batch.length === 1) return [{ row: batch[0]!, indexes: [0] }];
  const byKey = new Map<string, Merged>();
  batch.forEach((row, index) => {
    const key = `${row.appId}\u0000${row.eventId}`;
    const existing = byKey.get(key);
    if (existing) existing.indexes.push(index);
    else byKey.set(key, { row, indexes: [index] });
  });
  return [...byKey.values()];
}
