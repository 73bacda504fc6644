import type { AppContext } from '../context.js';
import { expireHeldRecords } from '../identity/expire-holds.js';
import { isStoreUnavailable } from '../store/store.js';
import type { BackgroundWorker } from '../context.js';
import { processBatch } from './process-batch.js';
import { createProcessingMetrics, type ProcessingCounters } from './processing-metrics.js';

/** A webhook within this many ms means ingest is busy. */
const INGEST_ACTIVE_MS = 250;
/** Processing slice while ingest is busy (ms), and the pause after it: processing gets a small share while a burst lasts. */
const INGEST_SLICE_MS = 4;
const INGEST_PAUSE_MS = 30;
/** Events loaded per slice while ingest is busy: a batch loads and parses all of them up front. */
const INGEST_SLICE_EVENTS = 16;

/** Tuning of the processing loop; the defaults suit production. */
export interface ProcessingWorkerOptions {
  /** Most events per transaction (default 200 on SQLite, 500 on PostgreSQL). */
  batchSize?: number;
  /**
   * Time budget of one transaction in ms (default: 150 on SQLite, none on PostgreSQL; 4 while webhooks arrive). SQLite
   * runs a transaction synchronously on the event loop and webhook inserts wait for it, so
   * its batches are cut short enough not to delay webhook answers noticeably.
   */
  batchBudgetMs?: number;
  /** Wait between polls when there is nothing to process (ms). */
  idleMs?: number;
  /** How often held records are checked for an expired `holdFor` (ms). */
  sweepIntervalMs?: number;
  /** Wait after an error, e.g. the store unreachable (ms). */
  errorBackoffMs?: number;
}

/** What the processing loop needs: narrower than AppContext, so it can run in a thread of its own. */
export interface ProcessingLoopContext extends Pick<AppContext, 'store' | 'clock' | 'logger'> {
  /** Where the loop counts events, records and expired holds. */
  readonly counters: ProcessingCounters;
  /** When the last webhook arrived (epoch ms). */
  lastWebhookAt(): number;
}

/** The loop's context taken from a process's AppContext (processing on the main thread). */
export function processingLoopContextOf(ctx: AppContext): ProcessingLoopContext {
  return {
    store: ctx.store,
    clock: ctx.clock,
    logger: ctx.logger,
    counters: createProcessingMetrics(ctx.metrics.registry),
    lastWebhookAt: () => ctx.metrics.activity.lastWebhookAt(),
  };
}

/** The processing loop on this process's event loop (see `runProcessingLoop`). */
export function createProcessingWorker(ctx: AppContext, opts: ProcessingWorkerOptions = {}): BackgroundWorker {
  return runProcessingLoop(processingLoopContextOf(ctx), opts);
}

/**
 * The processing loop of the `all` and `worker` roles: takes `received` events batch after
 * batch while there are any, polls every `idleMs` when idle, and every `sweepIntervalMs`
 * skips held records whose `holdFor` passed. Several instances may run it on one PostgreSQL:
 * a transaction-scoped lock lets one of them process at a time, so events keep their order.
 */
export function runProcessingLoop(ctx: ProcessingLoopContext, opts: ProcessingWorkerOptions = {}): BackgroundWorker {
  const pacing = ctx.store.processingPacing;
  const batchSize = opts.batchSize ?? pacing.batchSize;
  const budgetMs = opts.batchBudgetMs ?? pacing.batchBudgetMs;
  const idleMs = opts.idleMs ?? 200;
  const sweepIntervalMs = opts.sweepIntervalMs ?? 5_000;
  const errorBackoffMs = opts.errorBackoffMs ?? 1_000;
  const metrics = ctx.counters;
  let stopped = false;
  let wake: (() => void) | null = null;
  let lastSweep = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        if (Date.now() - lastSweep >= sweepIntervalMs) {
          lastSweep = Date.now();
          metrics.holdsExpired.inc(await expireHeldRecords(ctx));
        }
        // On SQLite a processing transaction holds the one write lock (and the event loop):
        // while webhooks are arriving, take short slices and leave most of the time to them,
        // so acknowledging events stays fast; processing catches up when the burst ends.
        const yieldToIngest = pacing.yieldsToIngest && Date.now() - ctx.lastWebhookAt() < INGEST_ACTIVE_MS;
        const sliceMs = yieldToIngest ? INGEST_SLICE_MS : budgetMs;
        const limit = yieldToIngest ? INGEST_SLICE_EVENTS : batchSize;
        const result = await processBatch(ctx, { limit, ...(sliceMs === undefined ? {} : { budgetMs: sliceMs }) });
        metrics.events.inc(result.processed);
        metrics.records.inc(result.records);
        // New records: the delivery engine starts on them now rather than at its next poll.
        if (result.records > 0) ctx.store.delivery.wake();
        if (result.processed > 0) {
          if (yieldToIngest) await sleep(INGEST_PAUSE_MS);
          // Back to back under load, but let HTTP requests in between two transactions.
          else await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        await sleep(idleMs);
      } catch (err) {
        if (stopped) break;
        if (isStoreUnavailable(err)) ctx.logger.warn('processing paused: the store is unavailable');
        else ctx.logger.error({ err }, 'processing batch failed');
        await sleep(errorBackoffMs);
      }
    }
  }

  const running = loop();
  return {
    name: 'processing',
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
}
