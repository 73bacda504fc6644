/**
 * Worker threads running one of this package's modules. The thread starts the same from the
 * build and from the TypeScript sources (where it first registers tsx, as bin/pcbridge.js does
 * for the main thread).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Plain JavaScript: the thread cannot load TypeScript before tsx is registered. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) {
    const tsx = await import(workerData.tsxApi);
    (tsx.register ?? tsx.default.register)();
  }
  await import(workerData.entry);
})();
`;

/** Whether this process runs from the TypeScript sources (tests, `npm run dev`) or the build. */
const SOURCE = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/**
 * Starts a thread on `entry`, a module URL without its extension (`new URL('./x-main', import.meta.url)`);
 * the module reads `data` from `workerData`.
 */
export function startModuleThread(entry: URL, data: object, resourceLimits?: ResourceLimits): Worker {
  const workerData = { ...data, entry: `${entry.href}.${SOURCE}`, tsxApi: SOURCE === 'ts' ? import.meta.resolve('tsx/esm/api') : null };
  return new Worker(BOOTSTRAP, { eval: true, workerData, ...(resourceLimits ? { resourceLimits } : {}) });
}

/** Wait before starting a supervised thread again after it died. */
export const RESTART_AFTER_MS = 1_000;
/** How long a stop waits for a supervised thread to finish its work before terminating it. */
const STOP_TIMEOUT_MS = 10_000;

/** What a supervised thread reports (a logger's error method fits). */
export interface ThreadSupervision {
  /** Starts a new thread, its message listener attached. */
  start(): Worker;
  /** The thread failed (an uncaught error in it). */
  onError(err: Error): void;
  /** The thread exited while not stopping; it starts again after `RESTART_AFTER_MS`. */
  onExit(code: number): void;
}

/** A thread started again whenever it dies, until stopped. */
export interface SupervisedThread {
  /** The running thread, or null between a death and its restart. */
  current(): Worker | null;
  /** Asks the thread to finish (`'stop'` message), terminating it after a timeout. */
  stop(): Promise<void>;
}

export function superviseThread(supervision: ThreadSupervision): SupervisedThread {
  let stopping = false;
  let current: { worker: Worker; exited: Promise<void> } | null = null;
  let restartTimer: NodeJS.Timeout | null = null;

  function start(): void {
    const worker = supervision.start();
    worker.on('error', (err) => supervision.onError(err));
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        current = null;
        resolve();
        if (stopping) return;
        supervision.onExit(code);
        restartTimer = setTimeout(start, RESTART_AFTER_MS);
      });
    });
    current = { worker, exited };
  }

  start();
  return {
    current: () => current?.worker ?? null,
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      if (!current) return;
      const { worker, exited } = current;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      // A thread stuck in native code does not even end on terminate(): do not hang the
      // shutdown for it (the process exit ends it; a transaction in flight rolls back).
      let giveUp: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (giveUp = setTimeout(resolve, STOP_TIMEOUT_MS + 2_000)))]);
      clearTimeout(timer);
      clearTimeout(giveUp);
    },
  };
}
