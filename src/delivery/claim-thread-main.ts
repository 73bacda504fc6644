/**
 * The claim thread's own code (started by `startClaimThread`): its own SQLite connections, the
 * same `claimBatches` as on the main thread, under the main thread's instance ID (the leases are
 * the process's). Messages in: `ClaimRequest`, or `'stop'` (the thread then exits). Messages
 * out: `ClaimReply`, one per request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../clock.js';
import { openStore } from '../store/store.js';
import { claimBatches, type ClaimAccount, type ClaimedBatch, type ClaimOptions } from './claim-batch.js';

/** What the main thread hands the claim thread. */
export interface ClaimThreadData {
  /** Path of the SQLite database (already migrated by the main thread). */
  path: string;
  /** The main thread's `store.sqliteWritePriority.shared`. */
  writePriority: SharedArrayBuffer;
  /** The process's instance ID: records are leased to it. */
  instanceId: string;
}

export interface ClaimRequest {
  id: number;
  account: ClaimAccount;
  opts: ClaimOptions;
}

/** A claim's batches, or its error (message and code, so the main thread tells a store outage from a bug). */
export type ClaimReply = { id: number; batches: ClaimedBatch[] } | { id: number; error: { message: string; code?: string } };

const port = parentPort;
if (port === null) throw new Error('claim-thread-main runs only as a worker thread');
const data = workerData as ClaimThreadData;
const store = openStore({ dialect: 'sqlite', path: data.path }, { sqliteWritePriority: data.writePriority });
const ctx = { store, clock: systemClock, instanceId: data.instanceId };
let stopping = false;
const running = new Set<Promise<void>>();

async function answer(request: ClaimRequest): Promise<void> {
  let reply: ClaimReply;
  try {
    reply = { id: request.id, batches: await claimBatches(ctx, request.account, request.opts) };
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    reply = {
      id: request.id,
      error: {
        message: typeof e.message === 'string' ? e.message : String(err),
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
      },
    };
  }
  port!.postMessage(reply);
}

port.on('message', (message: ClaimRequest | 'stop') => {
  if (message !== 'stop') {
    if (stopping) return;
    const claim = answer(message).finally(() => running.delete(claim));
    running.add(claim);
    return;
  }
  stopping = true;
  void (async () => {
    await Promise.allSettled([...running]);
    await store.close();
    port.close(); // the thread ends: the main thread sees it exit
  })();
});
