/**
 * Per-account concurrency that adapts to CleverTap (SPEC §5): halved on a 429 (never below
 * one request), raised by one per success window until it is back at the configured value.
 * Pure arithmetic; the shared value lives in `accounts.concurrency_limit`.
 */

/** Successes within this long of the last change do not raise the limit again. */
export const RECOVERY_WINDOW_MS = 500;

/** The limit after a 429. */
export function lowerLimit(current: number): number {
  return Math.max(1, Math.floor(current / 2));
}

/** The limit after a success, given when it last changed. */
export function raiseLimit(current: number, configured: number, lastChangeAt: number, now: number): number {
  if (current >= configured) return configured;
  return now - lastChangeAt >= RECOVERY_WINDOW_MS ? current + 1 : current;
}

/** The limit to use: the stored one (null = never lowered) capped by this instance's setting. */
export function effectiveLimit(stored: number | null, configured: number): number {
  return Math.max(1, Math.min(stored ?? configured, configured));
}
