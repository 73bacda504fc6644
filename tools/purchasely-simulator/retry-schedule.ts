/**
 * Purchasely's retry back-off (reference/purchasely.md): up to 25 retries, 20 s, 26 s, 46 s,
 * 1 min 56 s, then growing (×2.5 here) up to 3 d 20 h between attempts.
 */
export const PURCHASELY_MAX_RETRIES = 25;

const FIRST_DELAYS_S = [20, 26, 46, 116];
const MAX_DELAY_S = (3 * 24 + 20) * 3600;

/** Delays before retry 1, 2, … 25, in real (uncompressed) milliseconds. */
export function purchaselyRetryDelaysMs(): number[] {
  const delays: number[] = [];
  for (let i = 0; i < PURCHASELY_MAX_RETRIES; i++) {
    const seconds = i < FIRST_DELAYS_S.length ? FIRST_DELAYS_S[i]! : Math.min(MAX_DELAY_S, Math.round((delays[i - 1]! / 1000) * 2.5));
    delays.push(seconds * 1000);
  }
  return delays;
}

/** A real delay compressed by the simulation speed, never below `minMs` (so retries do not spin). */
export function compressDelay(delayMs: number, speed: number, minMs: number): number {
  return Math.max(minMs, Math.round(delayMs / Math.max(speed, 1)));
}
