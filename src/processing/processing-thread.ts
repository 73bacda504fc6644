import type { AppContext } from '../context.js';
import type { BackgroundWorker } from '../context.js';
import { RESTART_AFTER_MS, startModuleThread, superviseThread } from '../threads.js';
import { createProcessingMetrics } from './processing-metrics.js';
import type { ProcessingThreadData, ThreadMessage } from './processing-thread-main.js';
import type { ProcessingWorkerOptions } from './processing-worker.js';

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
  const thread = superviseThread({
    start() {
      const worker = startModuleThread(new URL('./processing-thread-main', import.meta.url), data, THREAD_HEAP_LIMITS);
      worker.on('message', (message: ThreadMessage) => {
        counters.events.inc(message.events);
        counters.records.inc(message.records);
        counters.holdsExpired.inc(message.holdsExpired);
        // The thread committed records: wake this process's delivery engine (the thread's own
        // store has no listener).
        if (message.records > 0) ctx.store.delivery.wake();
      });
      return worker;
    },
    onError: (err) => ctx.logger.error({ err }, 'the processing thread failed'),
    onExit: (code) => ctx.logger.error({ code }, `the processing thread exited; starting it again in ${RESTART_AFTER_MS} ms`),
  });
  return { name: 'processing', stop: () => thread.stop() };
}
