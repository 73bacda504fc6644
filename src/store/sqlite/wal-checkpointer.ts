/**
 * Copies the WAL into the database file from a thread of its own, so the threads that write
 * never do it inside a commit.
 *
 * SQLite checkpoints in the commit that takes the WAL past 1000 pages: that commit copies
 * 4 MiB into the database file and fsyncs it while its thread waits. On a busy bridge that is
 * the delivery loop's or the processing thread's commit, several times a second (a quarter of
 * the delivery loop's database time in `npm run bench`). Here a worker thread runs a PASSIVE
 * checkpoint every few milliseconds instead — it never waits for, nor blocks, a writer — and the
 * writers keep SQLite's own checkpoint only as a safety net far above what the worker lets
 * the WAL grow to (`WRITER_SAFETY_NET_PAGES`).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints: often enough that the WAL stays a few MiB under full load. */
const CHECKPOINT_EVERY_MS = 50;
/** Writers' `wal_autocheckpoint` while the worker runs (SQLite's default is 1000 pages). */
export const WRITER_SAFETY_NET_PAGES = 20_000;

/** Plain JavaScript, evaluated in the worker: the driver is loaded by its resolved path. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
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

/** Starts the checkpoint worker for the database file at `path` (already in WAL mode). */
export function startWalCheckpointer(path: string): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
  // It must never keep a finished process alive; a failure only means the writers' safety net checkpoints.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
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
