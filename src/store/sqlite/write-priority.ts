/**
 * SQLite has one write lock and no queue: a writer that finds it taken sleeps and tries again,
 * so a busy background writer (processing, in its own thread) that commits and begins again
 * back to back can starve the others. The writers of one process share this counter: a
 * foreground writer (the API, delivery, webhook ingest) counts itself while it waits for the
 * lock, and a background transaction does not begin while anyone is counted (for at most
 * `maxMs`, so a counter left behind by a dead thread only slows background work down).
 *
 * The same shared memory tells the process's connections whether a checkpoint worker
 * (`wal-checkpointer.ts`) runs, and when it is about to start the WAL over: writers then hold
 * back their next BEGIN for the few milliseconds that takes.
 */
export interface WritePriority {
  /** Hand this to another thread of the process and open it there with `openWritePriority`. */
  readonly shared: SharedArrayBuffer;
  /** Counts one foreground writer as waiting; call the returned function once it has the lock (or gave up). */
  announce(): () => void;
  /** Resolves when no foreground writer waits, or after `maxMs`. */
  yieldToForeground(maxMs: number): Promise<void>;
  /** True while the process's checkpoint worker runs (it copies the WAL; writers need not). */
  checkpointWorkerRuns(): boolean;
  /** True while the checkpoint worker waits to start the WAL over: hold the next BEGIN back. */
  restartPending(): boolean;
}

/**
 * Layout of `shared`, Int32 slots: the number of foreground writers waiting; 1 while a checkpoint
 * worker runs; 1 while it waits to restart the WAL (the worker writes the last two, see
 * `wal-checkpointer.ts`).
 */
export const PRIORITY_SLOTS = { waiting: 0, checkpointWorker: 1, restartPending: 2 } as const;
const WAITING = PRIORITY_SLOTS.waiting;

export function openWritePriority(shared: SharedArrayBuffer = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT)): WritePriority {
  const slots = new Int32Array(shared);
  return {
    shared,
    checkpointWorkerRuns: () => Atomics.load(slots, PRIORITY_SLOTS.checkpointWorker) === 1,
    restartPending: () => Atomics.load(slots, PRIORITY_SLOTS.restartPending) === 1,
    announce() {
      Atomics.add(slots, WAITING, 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        Atomics.sub(slots, WAITING, 1);
      };
    },
    async yieldToForeground(maxMs) {
      const until = Date.now() + maxMs;
      while (Atomics.load(slots, WAITING) > 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    },
  };
}
