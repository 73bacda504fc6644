import { generateLifecycles, scheduleOf, type LifecycleOptions, type SimulatedEvent, type SimulatedLifecycle } from './lifecycle.js';
import { createPurchaselySender, type AttemptReport, type PurchaselySender, type SenderStats } from './sender.js';

export interface SimulatorOptions {
  /** The app's webhook URL (`…/webhooks/purchasely/{appId}`). */
  target: string;
  /** Purchasely's client shared secret of that app. */
  secret: string;
  /** People per cohort (default 20). */
  users?: number;
  /** Simulated ms per wall-clock ms (default 86 400: a day per second, a monthly renewal every 30 s). */
  speed?: number;
  /** Stop after this long (ms; Infinity = until stop()). With a duration, a new cohort of `users` people starts every `spreadDays`, so traffic continues. */
  durationMs?: number | null;
  /** Share of SANDBOX people (default 0.2). */
  sandboxRatio?: number;
  /** Seed of the first cohort (default 1); cohort k uses seed + k. */
  seed?: number;
  /** People of a cohort start within this many simulated days (default 30). */
  spreadDays?: number;
  /** Wait until each event falls due (default true); false sends everything at once, in order per user. */
  pace?: boolean;
  /** Floor of a compressed retry delay (default 100 ms). */
  minRetryDelayMs?: number;
  /** HTTP requests in flight at most (default 32). */
  concurrency?: number;
  now?: () => number;
  onAttempt?: (report: AttemptReport) => void;
}

export interface SimulationSummary extends SenderStats {
  /** Events generated so far (all cohorts). */
  generated: number;
  cohorts: number;
}

export interface PurchaselySimulator {
  /** The lifecycles of cohort k (pure: the same every call). */
  lifecycles(cohort?: number): SimulatedLifecycle[];
  /** Sends the traffic; resolves when done (one cohort without a duration) or when stopped. */
  run(): Promise<SimulationSummary>;
  /** Stops generating and sending; `run()` then resolves. */
  stop(): Promise<void>;
  stats(): SimulationSummary;
}

/**
 * Purchasely's side of the webhook: lifecycles from {@link generateLifecycles}, posted by a
 * {@link createPurchaselySender} at the (compressed) times they happen.
 */
export function createPurchaselySimulator(opts: SimulatorOptions): PurchaselySimulator {
  const now = opts.now ?? Date.now;
  const speed = opts.speed ?? 86_400;
  const users = opts.users ?? 20;
  const seed = opts.seed ?? 1;
  const spreadDays = opts.spreadDays ?? 30;
  const pace = opts.pace ?? true;
  const durationMs = opts.durationMs ?? null;
  const sender: PurchaselySender = createPurchaselySender({
    target: opts.target,
    secret: opts.secret,
    speed,
    now,
    ...(opts.minRetryDelayMs !== undefined ? { minRetryDelayMs: opts.minRetryDelayMs } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.onAttempt ? { onAttempt: opts.onAttempt } : {}),
  });
  let startMs: number | null = null;
  // Cohorts of a continuous run start one spread apart, so the arrival of new people is steady.
  const cohortEveryMs = Math.max(1000, Math.round((spreadDays * 86_400_000) / speed));
  let generated = 0;
  let cohorts = 0;
  let stopped = false;
  let wake: (() => void) | null = null;

  const cohortOptions = (k: number, cohortStart: number): LifecycleOptions => ({
    users,
    seed: seed + k,
    startMs: cohortStart,
    speed,
    sandboxRatio: opts.sandboxRatio ?? 0.2,
    spreadDays,
    idPrefix: `sim${seed + k}`,
  });

  const sleepUntil = (t: number): Promise<void> =>
    new Promise((resolve) => {
      const ms = Math.max(0, t - now());
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      function done(): void {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const summary = (): SimulationSummary => ({ ...sender.stats(), generated, cohorts });

  return {
    // The first of lifecycles() or run() pins the start, so a test can look at what run() will send.
    lifecycles: (cohort = 0) => {
      startMs ??= now();
      return generateLifecycles(cohortOptions(cohort, startMs + cohort * cohortEveryMs));
    },
    async run() {
      startMs ??= now();
      const endMs = durationMs === null ? null : startMs + durationMs;
      // Events of every started cohort, merged in due order.
      let upcoming: SimulatedEvent[] = [];
      let nextCohortAt = startMs;
      while (!stopped) {
        const t = now();
        if (endMs !== null && t >= endMs) break;
        if (t >= nextCohortAt && (cohorts === 0 || endMs !== null)) {
          const events = scheduleOf(generateLifecycles(cohortOptions(cohorts, nextCohortAt)));
          generated += events.length;
          cohorts += 1;
          upcoming = mergeByDue(upcoming, events);
          nextCohortAt += cohortEveryMs;
        }
        while (upcoming.length > 0 && (!pace || upcoming[0]!.dueAtMs <= now())) sender.enqueue(upcoming.shift()!);
        if (upcoming.length === 0 && endMs === null) break;
        const nextDue = Math.min(upcoming[0]?.dueAtMs ?? Infinity, endMs !== null ? nextCohortAt : Infinity, endMs ?? Infinity);
        await sleepUntil(nextDue);
      }
      if (!stopped && endMs === null) await sender.idle();
      if (stopped || endMs !== null) await sender.stop();
      return summary();
    },
    async stop() {
      stopped = true;
      wake?.();
      await sender.stop();
    },
    stats: summary,
  };
}

/** Merges two lists sorted by due time, keeping each list's own order on ties. */
function mergeByDue(a: SimulatedEvent[], b: SimulatedEvent[]): SimulatedEvent[] {
  const out: SimulatedEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.dueAtMs <= b[j]!.dueAtMs ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
