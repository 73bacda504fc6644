import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import type { SimulatedEvent } from './lifecycle.js';
import { compressDelay, purchaselyRetryDelaysMs } from './retry-schedule.js';

/** One HTTP attempt, as reported to `onAttempt` (tests check order and retries with it). */
export interface AttemptReport {
  userKey: string;
  eventId: string;
  eventName: string;
  /** 1 for the first try. */
  attempt: number;
  /** HTTP status, or null for a network error or timeout. */
  status: number | null;
  acknowledged: boolean;
}

export interface SenderStats {
  /** Events handed to the sender. */
  queued: number;
  /** Events answered 200. */
  acknowledged: number;
  /** HTTP attempts made (first tries and retries). */
  attempts: number;
  retries: number;
  /** Events given up after the last retry. */
  abandoned: number;
  /** Events not acknowledged yet (waiting behind their user's stream, or retrying). */
  pending: number;
  /** Answers by status (`error` for network errors and timeouts). */
  statusCounts: Record<string, number>;
}

export interface SenderOptions {
  /** The webhook URL, e.g. http://localhost:8080/webhooks/purchasely/app_… */
  target: string;
  /** Purchasely's client shared secret, as configured for the app. */
  secret: string;
  /** Time compression applied to the retry back-off (default 1). */
  speed?: number;
  /** Real delays before each retry (default Purchasely's 25). */
  retryDelaysMs?: readonly number[];
  /** Floor of a compressed retry delay (default 100 ms). */
  minRetryDelayMs?: number;
  /** Purchasely's read timeout (default 10 s). */
  timeoutMs?: number;
  /** HTTP requests in flight at most, across users (default 32). */
  concurrency?: number;
  now?: () => number;
  onAttempt?: (report: AttemptReport) => void;
}

export interface PurchaselySender {
  /** Queues an event behind its user's earlier ones. */
  enqueue(event: SimulatedEvent): void;
  /** Resolves when every queued event is acknowledged or abandoned (or the sender stopped). */
  idle(): Promise<void>;
  /** Stops sending: attempts in flight finish, waiting retries are dropped. */
  stop(): Promise<void>;
  stats(): SenderStats;
}

interface Queued {
  event: SimulatedEvent;
  body: Buffer;
}

/**
 * Posts events the way Purchasely's sender does: one signed POST per event (v3 signature over
 * the timestamp and the raw body), only HTTP 200 counts, anything else is retried with growing
 * back-off, and while one event of a user is not acknowledged that user's later events wait.
 * A retry sends the very same body (same event_id and event_created_at), freshly signed.
 */
export function createPurchaselySender(opts: SenderOptions): PurchaselySender {
  const speed = opts.speed ?? 1;
  const delays = opts.retryDelaysMs ?? purchaselyRetryDelaysMs();
  const minDelay = opts.minRetryDelayMs ?? 100;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const streams = new Map<string, Queued[]>();
  const stats: SenderStats = { queued: 0, acknowledged: 0, attempts: 0, retries: 0, abandoned: 0, pending: 0, statusCounts: {} };
  const limiter = createLimiter(opts.concurrency ?? 32);
  const stopController = new AbortController();
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = (): void => {
    if (running > 0 && !stopController.signal.aborted) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  async function postOnce(item: Queued, attempt: number): Promise<boolean> {
    const timestamp = String(Math.floor(now() / 1000));
    let status: number | null;
    try {
      const res = await limiter.run(() =>
        fetch(opts.target, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-purchasely-request-signature': signPurchaselyRequest(opts.secret, timestamp, item.body),
            'x-purchasely-timestamp': timestamp,
          },
          body: item.body,
          signal: AbortSignal.timeout(timeoutMs),
        }),
      );
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      status = null;
    }
    stats.attempts += 1;
    const key = status === null ? 'error' : String(status);
    stats.statusCounts[key] = (stats.statusCounts[key] ?? 0) + 1;
    const acknowledged = status === 200;
    opts.onAttempt?.({
      userKey: item.event.userKey,
      eventId: String(item.event.payload.event_id),
      eventName: String(item.event.payload.event_name),
      attempt,
      status,
      acknowledged,
    });
    return acknowledged;
  }

  /** Delivers one event with retries; false when abandoned or stopped. */
  async function deliver(item: Queued): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (stopController.signal.aborted) return false;
      if (await postOnce(item, attempt)) return true;
      if (attempt > delays.length) return false;
      stats.retries += 1;
      const waited = await sleep(compressDelay(delays[attempt - 1]!, speed, minDelay), stopController.signal);
      if (!waited) return false;
    }
  }

  async function drain(userKey: string, queue: Queued[]): Promise<void> {
    running += 1;
    try {
      while (queue.length > 0 && !stopController.signal.aborted) {
        const item = queue[0]!;
        const ok = await deliver(item);
        if (stopController.signal.aborted && !ok) break;
        queue.shift();
        stats.pending -= 1;
        if (ok) stats.acknowledged += 1;
        else stats.abandoned += 1;
      }
    } finally {
      if (queue.length === 0) streams.delete(userKey);
      running -= 1;
      settleIdle();
    }
  }

  return {
    enqueue(event) {
      if (stopController.signal.aborted) return;
      stats.queued += 1;
      stats.pending += 1;
      const item = { event, body: Buffer.from(JSON.stringify(event.payload), 'utf8') };
      const existing = streams.get(event.userKey);
      if (existing) {
        existing.push(item);
        return;
      }
      const queue = [item];
      streams.set(event.userKey, queue);
      void drain(event.userKey, queue);
    },
    idle() {
      if (running === 0 || stopController.signal.aborted) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopController.abort();
      settleIdle();
    },
    stats: () => ({ ...stats, statusCounts: { ...stats.statusCounts } }),
  };
}

/** Sleeps unless aborted first; true when the full delay elapsed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** At most `max` tasks at once, first come first served. */
function createLimiter(max: number): { run<T>(task: () => Promise<T>): Promise<T> } {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(task) {
      // A finishing task hands its slot straight to the next waiter, so the bound always holds.
      if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      else active += 1;
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else active -= 1;
      }
    },
  };
}
