import type { FastifyInstance } from 'fastify';
import type { AppContext, BackgroundWorker } from '../context.js';
import { ConfigError } from '../errors.js';
import { buildApp } from '../http/app.js';
import { canUseThreads, startWorkers } from './workers.js';

/**
 * Longest a stop takes (the drain time): requests in flight are answered, the workers finish
 * their batch and hand back the records they claimed, the store closes. Below the 10 s that
 * Docker (and Kubernetes) wait after SIGTERM before SIGKILL; systemd waits 90 s.
 */
export const DRAIN_TIMEOUT_MS = 8_000;

export interface StopOptions {
  /** Default DRAIN_TIMEOUT_MS. */
  drainMs?: number;
}

export interface RunningServer {
  app: FastifyInstance | null;
  workers: BackgroundWorker[];
  /**
   * Stops accepting, finishes requests in flight, stops workers, closes the store; resolves
   * within the drain time. Whatever is still running then (a client that never finishes its
   * request, an upload CleverTap has not answered) is cut off and logged: a cut-off request gets
   * no answer (its sender retries), a record whose upload was cut off is sent again once its
   * lease runs out.
   */
  stop(opts?: StopOptions): Promise<void>;
  address: string | null;
}

/**
 * Starts HTTP (roles all, api) and the background workers (roles all, worker). On a SQLite
 * file, processing and delivery's claims run in threads of their own (the second core); on
 * PostgreSQL, in this process, and more processes share the work.
 */
export async function startServer(ctx: AppContext): Promise<RunningServer> {
  const { role } = ctx.config;
  let app: FastifyInstance | null = null;
  let address: string | null = null;
  if (role === 'all' || role === 'api') {
    app = await buildApp(ctx);
    address = await listen(ctx, app);
  }
  const workers = role === 'all' || role === 'worker' ? startWorkers(ctx, { threads: canUseThreads(ctx) }) : [];
  let stopping: Promise<void> | null = null;
  return {
    app,
    workers,
    address,
    stop(opts = {}) {
      stopping ??= stopWithin(ctx, app, workers, opts.drainMs ?? DRAIN_TIMEOUT_MS);
      return stopping;
    },
  };
}

/** Listens on HOST:PORT; an address that cannot be used is a bad setting (exit 2), named. */
async function listen(ctx: AppContext, app: FastifyInstance): Promise<string> {
  const { port, host } = ctx.config;
  try {
    return await app.listen({ port, host });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const problem =
      code === 'EADDRINUSE'
        ? new ConfigError('PORT', `${port} is already in use on HOST ${host} (another process listens there); stop it or choose another PORT or HOST`)
        : code === 'EACCES'
          ? new ConfigError('PORT', `${port} on HOST ${host} needs privileges this process does not have; choose a PORT above 1023`)
          : code === 'EADDRNOTAVAIL'
            ? new ConfigError('HOST', `${host} is not an address of this machine; use 0.0.0.0 (every interface) or one of its addresses`)
            : null;
    if (!problem) throw err;
    problem.cause = err;
    throw problem;
  }
}

async function stopWithin(ctx: AppContext, app: FastifyInstance | null, workers: BackgroundWorker[], drainMs: number): Promise<void> {
  const startedAt = Date.now();
  const pending = new Set<string>();
  const track = (name: string, promise: Promise<unknown>) => {
    pending.add(name);
    return promise.finally(() => {
      pending.delete(name);
      ctx.logger.debug({ part: name, ms: Date.now() - startedAt }, 'stopped');
    });
  };
  // A keep-alive connection whose request is answered during the stop would stay open until
  // its client lets go (Node closes the idle ones only when the stop begins): close each as it
  // goes idle, so a proxy's connection pool does not hold the stop until the drain time.
  const sweep = app ? setInterval(() => app.server.closeIdleConnections(), 100) : undefined;
  // HTTP and the workers stop side by side; the store closes once nothing uses it.
  const orderly = (async () => {
    await Promise.all([app ? track('http', app.close()) : undefined, ...workers.map((w) => track(w.name, w.stop()))]);
    await track('store', ctx.store.close());
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), drainMs)));
  try {
    if ((await Promise.race([orderly, deadline])) !== 'late') return;
  } finally {
    clearTimeout(timer);
    clearInterval(sweep);
  }
  ctx.logger.warn({ drainMs, stillRunning: [...pending] }, 'drain time over: closing the connections still open and stopping without waiting for the rest');
  // Requests still not answered (a client that never finishes sending) get their socket closed.
  app?.server.closeAllConnections();
  orderly.catch(() => undefined);
}
