import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';
import { buildApp } from './http/app.js';
import { canProcessInThread, startWorkers, type BackgroundWorker } from './workers.js';

export interface RunningServer {
  app: FastifyInstance | null;
  workers: BackgroundWorker[];
  /** Stops accepting, finishes requests in flight, stops workers, closes the store. */
  stop(): Promise<void>;
  address: string | null;
}

/**
 * Starts HTTP (roles all, api) and the background workers (roles all, worker). On a SQLite
 * file, processing runs in a thread of its own (the second core); on PostgreSQL, in this
 * process, and more processes share the work.
 */
export async function startServer(ctx: AppContext): Promise<RunningServer> {
  const { role, port, host } = ctx.config;
  let app: FastifyInstance | null = null;
  let address: string | null = null;
  if (role === 'all' || role === 'api') {
    app = await buildApp(ctx);
    address = await app.listen({ port, host });
  }
  const workers = role === 'all' || role === 'worker' ? startWorkers(ctx, { processingThread: canProcessInThread(ctx) }) : [];
  let stopping: Promise<void> | null = null;
  return {
    app,
    workers,
    address,
    stop() {
      stopping ??= (async () => {
        if (app) await app.close();
        await Promise.all(workers.map((w) => w.stop()));
        await ctx.store.close();
      })();
      return stopping;
    },
  };
}
