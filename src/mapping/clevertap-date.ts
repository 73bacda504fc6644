/**
 * CleverTap dates are strings `"$D_<unix seconds>"`. Purchasely sends ISO 8601 / RFC 3339
 * strings and, for most, a `_ms` twin holding epoch milliseconds.
 */

// A full RFC 3339 date-time: date, time, optional fraction, and a zone (Z or ±hh:mm).
// A bare date or a time without zone is not a point in time, so it stays a string.
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** `"$D_<floor(ms / 1000)>"` for epoch milliseconds. */
export function formatCleverTapDate(epochMs: number): string {
  return `$D_${Math.floor(epochMs / 1000)}`;
}

/** Epoch milliseconds of a full RFC 3339 date-time string, else null. */
export function parseRfc3339(s: string): number | null {
  if (!RFC3339_DATE_TIME.test(s)) return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : null;
}
