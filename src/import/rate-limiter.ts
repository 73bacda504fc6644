/** Paces work to a steady number of items per second (used by `pcbridge import --rate`). */
export interface RateLimiter {
  /** Resolves when `count` more items may go, keeping the average at or under the rate. */
  take(count: number): Promise<void>;
}

export interface RateLimiterOptions {
  /** Items per second; null or Infinity means unlimited. */
  perSecond: number | null;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A limiter that schedules item i at start + i / rate: bursts never exceed what the elapsed
 * time allows, and a slow consumer does not build up credit beyond that schedule.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const rate = opts.perSecond;
  if (rate === null || !Number.isFinite(rate)) return { take: async () => undefined };
  if (rate <= 0) throw new RangeError('a rate must be positive');
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  let start: number | null = null;
  let granted = 0;
  return {
    async take(count) {
      start ??= now();
      // The batch may leave once its last item's slot has come.
      const due = start + ((granted + count - 1) / rate) * 1000;
      granted += count;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
    },
  };
}
