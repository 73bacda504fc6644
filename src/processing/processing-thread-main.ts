/**
 * The processing thread's own code (started by `startProcessingThread`): its own SQLite
 * connections, the same processing loop as on the main thread, counts relayed to the main
 * thread's /metrics. Messages in: `'stop'` (the thread then exits). Messages out: `ThreadMessage`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import type { LogLevel } from '../config.js';
import { createLogger } from '../logger.js';
import { openIngestActivity } from '../metrics.js';
import { openStore } from '../store/store.js';
import type { ProcessingCounters } from './processing-metrics.js';
import { runProcessingLoop, type ProcessingWorkerOptions } from './processing-worker.js';

/** What the main thread hands the processing thread. */
export interface ProcessingThreadData {
  /** Path of the SQLite database (already migrated by the main thread). */
  path: string;
  logLevel: LogLevel;
  /** The main thread's `IngestActivity.shared`. */
  activity: SharedArrayBuffer;
  /** The main thread's `store.sqliteWritePriority.shared`. */
  writePriority: SharedArrayBuffer;
  options: ProcessingWorkerOptions;
}

/** What the processing thread tells the main thread. */
export type ThreadMessage = { type: 'counts'; events: number; records: number; holdsExpired: number };

/**
 * Counts made in one synchronous stretch (a batch's events and records) go out in one message,
 * so the main thread's /metrics never shows a batch's events without its records.
 */
function relayCounters(post: (message: ThreadMessage) => void): ProcessingCounters {
  let pending: ThreadMessage | null = null;
  const relay = (field: 'events' | 'records' | 'holdsExpired') => ({
    inc(value = 1) {
      if (value === 0) return;
      if (pending === null) {
        pending = { type: 'counts', events: 0, records: 0, holdsExpired: 0 };
        queueMicrotask(() => {
          const message = pending;
          pending = null;
          if (message) post(message);
        });
      }
      pending[field] += value;
    },
  });
  return { events: relay('events'), records: relay('records'), holdsExpired: relay('holdsExpired') };
}

const port = parentPort;
if (port === null) throw new Error('processing-thread-main runs only as a worker thread');
const data = workerData as ProcessingThreadData;
const post = (message: ThreadMessage) => port.postMessage(message);
const store = openStore({ dialect: 'sqlite', path: data.path }, { sqliteWritePriority: data.writePriority });
const activity = openIngestActivity(data.activity);
const loop = runProcessingLoop(
  {
    store,
    clock: systemClock,
    logger: createLogger(data.logLevel).child({ thread: 'processing' }),
    counters: relayCounters(post),
    lastWebhookAt: () => activity.lastWebhookAt(),
  },
  data.options,
);

port.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  void (async () => {
    await loop.stop();
    await store.close();
    port.close(); // the thread ends: the main thread sees it exit
  })();
});
