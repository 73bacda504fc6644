import type { AppContext, BackgroundWorker } from '../context.js';
import { createDeliveryWorker } from '../delivery/delivery-worker.js';
import { startProcessingThread } from '../processing/processing-thread.js';
import { createProcessingWorker } from '../processing/processing-worker.js';

export interface StartWorkersOptions {
  /**
   * Process events in a worker thread of their own (SQLite file stores only; see
   * `startProcessingThread`). Off: on this event loop, with this context's clock.
   */
  processingThread?: boolean;
}

/** True when this store can (and should) process events in a thread: a SQLite file. */
export function canProcessInThread(ctx: AppContext): boolean {
  return ctx.config.database.dialect === 'sqlite' && ctx.config.database.path !== ':memory:';
}

/** The loops run by the `all` and `worker` roles: processing, then delivery. */
export function startWorkers(ctx: AppContext, opts: StartWorkersOptions = {}): BackgroundWorker[] {
  const processing = opts.processingThread === true && canProcessInThread(ctx) ? startProcessingThread(ctx) : createProcessingWorker(ctx);
  return [processing, createDeliveryWorker(ctx)];
}
