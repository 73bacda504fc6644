const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * Parses a human duration such as `'24h'`, `'30m'`, `'7d'`, `'90s'`, `'250ms'` or a sum like
 * `'1h30m'` into milliseconds. Returns null for anything else (no sign, no decimals, no spaces),
 * so callers can report a clear validation message instead of guessing.
 */
export function parseDuration(s: string): number | null {
  if (typeof s !== 'string' || !DURATION.test(s)) return null;
  let total = 0;
  for (const [, amount, unit] of s.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return Number.isSafeInteger(total) ? total : null;
}
