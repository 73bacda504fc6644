import type { AppContext, BackgroundWorker } from '../context.js';
import { createDeliveryWorker } from '../delivery/delivery-worker.js';
import { startProcessingThread } from '../processing/processing-thread.js';
import { createProcessingWorker } from '../processing/processing-worker.js';

export interface StartWorkersOptions {
  /**
   * Process events, and claim records for delivery, in worker threads of their own (SQLite file
   * stores only; see `startProcessingThread` and `startClaimThread`). Off: on this event loop,
   * with this context's clock.
   */
  threads?: boolean;
}

/** True when this store can (and should) process events and claim records in threads: a SQLite file. */
export function canUseThreads(ctx: AppContext): boolean {
  return ctx.config.database.dialect === 'sqlite' && ctx.config.database.path !== ':memory:';
}

/** The loops run by the `all` and `worker` roles: processing, then delivery. */
export function startWorkers(ctx: AppContext, opts: StartWorkersOptions = {}): BackgroundWorker[] {
  const threads = opts.threads === true && canUseThreads(ctx);
  const processing = threads ? startProcessingThread(ctx) : createProcessingWorker(ctx);
  return [processing, createDeliveryWorker(ctx, { claimThread: threads })];
}
