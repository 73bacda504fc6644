/**
 * The retry schedule as data (SPEC §5, `PCBRIDGE_RETRY_SCHEDULE`): pure functions that say
 * when a record that failed for a transient reason goes out again, and when it gives up.
 */

/** Share of a delay added or taken away at random, so retries of many records spread out. */
export const RETRY_JITTER = 0.2;

/**
 * The wait before the next attempt of a record that has now used up `attempts` attempts
 * (1 after its first failed send), or null when the schedule is exhausted and the record
 * should be `failed`. `random` returns a number in [0, 1).
 */
export function nextRetryDelay(attempts: number, scheduleMs: readonly number[], random: () => number = Math.random): number | null {
  const base = scheduleMs[attempts - 1];
  if (base === undefined) return null;
  return jitter(base, random);
}

/** `ms` moved by up to ±20 %, never below 0. */
export function jitter(ms: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + RETRY_JITTER * (2 * random() - 1))));
}

/**
 * How long an account rests after a 429: the first delay of the schedule (CleverTap sends no
 * Retry-After), jittered, at least 50 ms so a burst of 429s cannot spin.
 */
export function throttleBackoff(scheduleMs: readonly number[], random: () => number = Math.random): number {
  return Math.max(50, jitter(scheduleMs[0] ?? 1000, random));
}
