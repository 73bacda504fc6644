/**
 * SQLite has one write lock and no queue: a writer that finds it taken sleeps and tries again,
 * so a busy background writer (processing, in its own thread) that commits and begins again
 * back to back can starve the others. The writers of one process share this counter: a
 * foreground writer (the API, delivery, webhook ingest) counts itself while it waits for the
 * lock, and a background transaction does not begin while anyone is counted (for at most
 * `maxMs`, so a counter left behind by a dead thread only slows background work down).
 */
export interface WritePriority {
  /** Hand this to another thread of the process and open it there with `openWritePriority`. */
  readonly shared: SharedArrayBuffer;
  /** Counts one foreground writer as waiting; call the returned function once it has the lock (or gave up). */
  announce(): () => void;
  /** Resolves when no foreground writer waits, or after `maxMs`. */
  yieldToForeground(maxMs: number): Promise<void>;
}

/** Layout of `shared`: one Int32 slot, the number of foreground writers waiting. */
const WAITING = 0;

export function openWritePriority(shared: SharedArrayBuffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)): WritePriority {
  const slots = new Int32Array(shared);
  return {
    shared,
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
