import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { UNKNOWN_APP_BUCKET, type RejectionRow } from '../store/repos/rejections-repo.js';
import { KEEP_PER_BUCKET, type RefusedRequest } from '../contract/rejection-reasons.js';

export { KEEP_PER_BUCKET };

export interface RejectionRecorderOptions {
  store: Store;
  logger: Logger;
  /** Where the refusal counters go (the process's registry); none when omitted. */
  registry?: Registry;
  /** How long a refusal waits in memory before it is written (default 1 s). */
  flushIntervalMs?: number;
  /** Refusals waiting at most; more are counted and dropped (default 10,000). */
  maxQueued?: number;
  /** Rows kept per bucket (default {@link KEEP_PER_BUCKET}). */
  keepPerBucket?: number;
}

/**
 * Takes refused webhook requests on the refusal path without waiting for the database, and
 * writes them in the background.
 */
export interface RejectionRecorder {
  /** Queues one refusal; never waits, never throws. Beyond the queue's cap it is counted and dropped. */
  record(refusal: RefusedRequest): void;
  /** Writes what is queued now (one multi-row insert and a trim of the buckets written). */
  flush(): Promise<void>;
  /** Refusals waiting, and refusals dropped since the start (queue full, or a failed write). */
  stats(): { queued: number; dropped: number };
  /** Stops the timer and writes what is still queued. */
  close(): Promise<void>;
}

/**
 * A per-instance, in-memory queue of refusals, flushed about once a second in one transaction
 * (a multi-row insert, then each written bucket trimmed to its newest rows). The refusal path
 * only pushes onto an array: a flood of bad requests costs no database round trip per request,
 * and the memory it can take is capped (`maxQueued`; beyond, refusals are counted in
 * `pcbridge_webhook_refusals_dropped_total` and dropped). Of one flush, only the newest
 * `keepPerBucket` of a bucket are written (older ones would be trimmed at once). With several
 * instances each flushes its own queue; flushes take turns (one write lock for the table, held
 * for a few milliseconds) and each trims after writing, so a bucket never holds more than
 * `keepPerBucket` rows once a flush has committed.
 *
 * The write is a background, non-durable transaction: the log is a diagnostic aid, so it lets
 * webhook ingest take SQLite's write lock first and skips the fsync wait.
 */
export function createRejectionRecorder(opts: RejectionRecorderOptions): RejectionRecorder {
  const flushIntervalMs = opts.flushIntervalMs ?? 1000;
  const maxQueued = opts.maxQueued ?? 10_000;
  const keep = opts.keepPerBucket ?? KEEP_PER_BUCKET;
  const counters = opts.registry ? refusalCounters(opts.registry) : null;
  let queue: RefusedRequest[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  let closed = false;

  function drop(count: number): void {
    dropped += count;
    counters?.dropped.inc(count);
  }

  function schedule(): void {
    if (timer !== null || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, flushIntervalMs);
    // A pending flush must not keep a CLI or a test process alive; close() flushes what is left.
    timer.unref();
  }

  async function writeBatch(batch: RefusedRequest[]): Promise<void> {
    // Newest `keep` per bucket: the queue is in arrival order.
    const perBucket = new Map<string, RejectionRow[]>();
    for (let i = batch.length - 1; i >= 0; i--) {
      const r = batch[i]!;
      const bucket = r.knownApp ? r.appId : UNKNOWN_APP_BUCKET;
      let rows = perBucket.get(bucket);
      if (!rows) perBucket.set(bucket, (rows = []));
      if (rows.length < keep) rows.push({ bucket, appId: r.appId, at: r.at, source: r.source, reason: r.reason, skewSeconds: r.skewSeconds, size: r.size });
    }
    const rows = [...perBucket.values()].flatMap((list) => list.reverse());
    await opts.store.transaction(
      async (tx) => {
        await tx.rejections.lockForWrite();
        await tx.rejections.insert(rows);
        await tx.rejections.trim([...perBucket.keys()], keep);
      },
      { durable: false, background: true },
    );
  }

  /** Writes what is queued now; what arrives meanwhile waits for the next timer (or close). */
  async function writeQueued(): Promise<void> {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    try {
      await writeBatch(batch);
    } catch (err) {
      // The store is down or refused: these refusals are lost (counted), the path stays unblocked.
      drop(batch.length);
      opts.logger.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, lost: batch.length }, 'refused webhook requests could not be recorded');
    }
  }

  function flush(): Promise<void> {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    // One flush at a time; a call during one waits for it and then writes what came meanwhile.
    const run: Promise<void> = (flushing ?? Promise.resolve()).then(writeQueued).finally(() => {
      if (flushing === run) flushing = null;
    });
    flushing = run;
    return run;
  }

  return {
    record(refusal) {
      counters?.refused(refusal.reason).inc();
      if (closed || queue.length >= maxQueued) {
        drop(1);
        return;
      }
      queue.push(refusal);
      schedule();
    },
    flush,
    stats: () => ({ queued: queue.length, dropped }),
    async close() {
      closed = true;
      await flush();
    },
  };
}

interface RefusalCounters {
  /** The counter of one reason (label children cached: no label hashing per refusal). */
  refused(reason: string): { inc(): void };
  dropped: Counter<never>;
}

/** The counters on the process's registry (shared by every app built on it, as in tests). */
function refusalCounters(registry: Registry): RefusalCounters {
  const existing = registry.getSingleMetric('pcbridge_webhook_refusals_total') as Counter<'reason'> | undefined;
  const refused =
    existing ?? new Counter({ name: 'pcbridge_webhook_refusals_total', help: 'Webhooks refused with 401, 404 or 413, by reason', labelNames: ['reason'], registers: [registry] });
  const dropped =
    (registry.getSingleMetric('pcbridge_webhook_refusals_dropped_total') as Counter<never> | undefined) ??
    new Counter({
      name: 'pcbridge_webhook_refusals_dropped_total',
      help: 'Refused webhooks not recorded: the in-memory queue was full, or its write failed',
      registers: [registry],
    });
  const children = new Map<string, { inc(): void }>();
  return {
    refused(reason) {
      let child = children.get(reason);
      if (!child) children.set(reason, (child = refused.labels(reason)));
      return child;
    },
    dropped,
  };
}
