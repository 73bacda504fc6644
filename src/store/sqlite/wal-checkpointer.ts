/**
 * Copies the WAL into the database file from a thread of its own, so the threads that write
 * never do it inside a commit.
 *
 * SQLite checkpoints in the commit that takes the WAL past 1000 pages: that commit copies
 * 4 MiB into the database file and fsyncs it while its thread waits. On a busy bridge that is
 * the delivery loop's, the processing thread's or the webhook thread's commit, several times a
 * second (a third of the delivery loop's database time in `npm run bench`, and the webhook
 * thread's longest stalls). Here a worker thread runs a PASSIVE checkpoint every 50 ms instead:
 * it never waits for a writer nor blocks one.
 *
 * Under a steady stream of commits a PASSIVE checkpoint never catches up with the end of the
 * WAL, so SQLite never starts the WAL over and it grows without bound (hundreds of MB in a few
 * seconds of back-to-back commits). Once the WAL passes `RESTART_ABOVE_FRAMES`, the worker asks
 * the process's writers to hold their next BEGIN (a flag in the shared write priority), runs a
 * RESTART checkpoint (it waits for the transaction of the moment and the readers), and lowers
 * the flag: the next commit starts the WAL over. The writers keep SQLite's own checkpoint only
 * as a safety net, in case the worker is gone (`WRITER_SAFETY_NET_PAGES`).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { PRIORITY_SLOTS, type WritePriority } from './write-priority.js';

/** How often the worker checkpoints: often enough that the WAL stays a few MiB under full load. */
const CHECKPOINT_EVERY_MS = 50;
/** A WAL this long (in 4 KiB pages) is started over (SQLite's own checkpoint threshold is 1000). */
const RESTART_ABOVE_FRAMES = 2_000;
/** How long a RESTART waits for the transaction of the moment and the readers before the next turn tries again. */
const RESTART_WAIT_MS = 100;
/** Writers' `wal_autocheckpoint` while the worker runs (SQLite's default is 1000 pages). */
export const WRITER_SAFETY_NET_PAGES = 10_000;
/** Longest a writer holds its BEGIN back for a restart (a flag left by a dead worker must not stop writes). */
export const MAX_RESTART_WAIT_MS = 2 * RESTART_WAIT_MS;

/** Plain JavaScript, evaluated in the worker: the driver is loaded by its resolved path. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const slots = new Int32Array(workerData.priority);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
function restart() {
  Atomics.store(slots, workerData.restartSlot, 1);
  db.pragma('busy_timeout = ' + workerData.restartWaitMs);
  try {
    db.pragma('wal_checkpoint(RESTART)');
  } finally {
    db.pragma('busy_timeout = 0');
    Atomics.store(slots, workerData.restartSlot, 0);
  }
}
const timer = setInterval(() => {
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive.log >= workerData.restartAboveFrames) restart();
  } catch {
    // Busy or closing: the next turn tries again.
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  try {
    db.close();
  } finally {
    parentPort.postMessage('closed');
  }
});
`;

export interface WalCheckpointer {
  /** Stops the worker after its current checkpoint; resolves once its connection is closed. */
  close(): Promise<void>;
}

/**
 * Starts the checkpoint worker for the database file at `path` (already in WAL mode), and marks
 * it running in `priority` before any other thread of the process opens the file.
 */
export function startWalCheckpointer(path: string, priority: WritePriority): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const slots = new Int32Array(priority.shared);
  Atomics.store(slots, PRIORITY_SLOTS.checkpointWorker, 1);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      driver,
      priority: priority.shared,
      restartSlot: PRIORITY_SLOTS.restartPending,
      everyMs: CHECKPOINT_EVERY_MS,
      restartAboveFrames: RESTART_ABOVE_FRAMES,
      restartWaitMs: RESTART_WAIT_MS,
    },
  });
  // It must never keep a finished process alive; a failure only means the writers' safety net checkpoints.
  worker.unref();
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      // Gone: the writers' own checkpoints take over, and nobody waits for a restart.
      Atomics.store(slots, PRIORITY_SLOTS.checkpointWorker, 0);
      Atomics.store(slots, PRIORITY_SLOTS.restartPending, 0);
      resolve();
    }),
  );
  worker.on('error', () => undefined);
  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
        worker.postMessage('close');
        await Promise.race([closed, exited]);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
