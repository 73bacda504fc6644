import type { AppContext } from './context.js';
import { createDeliveryWorker } from './delivery/delivery-worker.js';
import { createProcessingWorker } from './processing/processing-worker.js';

/** A background loop (processing, delivery, probes) that stops cleanly on shutdown. */
export interface BackgroundWorker {
  readonly name: string;
  stop(): Promise<void>;
}

export type WorkerFactory = (ctx: AppContext) => BackgroundWorker;

/** The loops run by the `all` and `worker` roles; each issue's engine adds its factory here. */
const WORKER_FACTORIES: WorkerFactory[] = [(ctx) => createProcessingWorker(ctx), (ctx) => createDeliveryWorker(ctx)];

export function startWorkers(ctx: AppContext): BackgroundWorker[] {
  return WORKER_FACTORIES.map((create) => create(ctx));
}
