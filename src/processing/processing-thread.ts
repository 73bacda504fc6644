import type { Worker } from 'node:worker_threads';
import type { AppContext } from '../context.js';
import type { BackgroundWorker } from '../context.js';
import { startModuleThread } from '../threads.js';
import { createProcessingMetrics } from './processing-metrics.js';
import type { ProcessingThreadData, ThreadMessage } from './processing-thread-main.js';
import type { ProcessingWorkerOptions } from './processing-worker.js';

/** Wait before starting a thread again after it died (it logs why). */
const RESTART_AFTER_MS = 1_000;
/** How long a stop waits for the thread's batch to finish before terminating it. */
const STOP_TIMEOUT_MS = 10_000;
/**
 * Processing batches in the thread stop after this long: the main thread's own writes
 * (delivery bookkeeping, the API) wait for the one SQLite write lock meanwhile.
 */
const THREAD_BATCH_BUDGET_MS = 50;

/**
 * The thread's heap: a batch needs a few MB, and V8 otherwise lets garbage grow up to the
 * process's own bound (`--max-old-space-size`) in this isolate too.
 */
const THREAD_HEAP_LIMITS = { maxOldGenerationSizeMb: 96 };

/**
 * Runs the processing loop in a worker thread with its own SQLite connections (SQLite store,
 * roles `all` and `worker`). Folding and mapping are CPU work: on the main thread they compete
 * with HTTP and delivery for one core; here they use another. SQLite's write lock and busy
 * timeout order this thread's transactions with the main thread's and the ingest thread's.
 * A thread that dies is logged and started again; its batch rolled back, so nothing is lost.
 */
export function startProcessingThread(ctx: AppContext, options: ProcessingWorkerOptions = {}): BackgroundWorker {
  if (ctx.config.database.dialect !== 'sqlite') throw new Error('the processing thread runs on SQLite only');
  const path = ctx.config.database.path;
  const writePriority = ctx.store.sqliteWritePriority;
  if (writePriority === null) throw new Error('the store has no SQLite write priority');
  const counters = createProcessingMetrics(ctx.metrics.registry);
  const data: ProcessingThreadData = {
    path,
    logLevel: ctx.config.logLevel,
    activity: ctx.metrics.activity.shared,
    writePriority: writePriority.shared,
    options: { batchBudgetMs: THREAD_BATCH_BUDGET_MS, ...options },
  };
  let stopping = false;
  let current: { worker: Worker; exited: Promise<void> } | null = null;
  let restartTimer: NodeJS.Timeout | null = null;

  function start(): void {
    const worker = startModuleThread(new URL('./processing-thread-main', import.meta.url), data, THREAD_HEAP_LIMITS);
    worker.on('message', (message: ThreadMessage) => {
      counters.events.inc(message.events);
      counters.records.inc(message.records);
      counters.holdsExpired.inc(message.holdsExpired);
      // The thread committed records: wake this process's delivery engine (the thread's own
      // store has no listener).
      if (message.records > 0) ctx.store.delivery.wake();
    });
    worker.on('error', (err) => ctx.logger.error({ err }, 'the processing thread failed'));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        resolve();
        if (stopping) return;
        ctx.logger.error({ code }, `the processing thread exited; starting it again in ${RESTART_AFTER_MS} ms`);
        restartTimer = setTimeout(start, RESTART_AFTER_MS);
      });
    });
    current = { worker, exited };
  }

  start();
  return {
    name: 'processing',
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (!current) return;
      const { worker, exited } = current;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      // A thread stuck in native code does not even end on terminate(): do not hang the
      // shutdown for it (the process exit ends it; a batch in flight rolls back).
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, STOP_TIMEOUT_MS + 2_000)))]);
      clearTimeout(timer);
      clearTimeout(giveUp);
    },
  };
}
