/**
 * The likely cause of a refused webhook request, in plain words, for the Setup page's
 * *Recent refused requests* (issue 14 "Refused requests"). Pure, so it is unit-tested.
 */
import { REJECTION_REASONS } from '../../src/contract/rejection-reasons.js';
import type { RejectionOut, RejectionsOut } from './api.js';

export const REJECTION_LABELS: Record<string, string> = {
  missing_signature: 'no signature',
  bad_signature: 'wrong signature',
  timestamp_out_of_window: 'timestamp out of window',
  legacy_scheme_not_allowed: 'older signature scheme',
  unknown_app: 'unknown app',
  payload_too_large: 'body too large',
};

/** A short label for a reason code ("wrong signature"); unknown codes are shown as they are. */
export function rejectionLabel(reason: string): string {
  return REJECTION_LABELS[reason] ?? reason.replace(/_/g, ' ');
}

/** "420 s", "12 min", "3 h 5 min", "2 days": a duration an operator reads at a glance. */
export function formatSkew(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  if (s < 600) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const d = Math.round(s / 86_400);
  return `${d} ${d === 1 ? 'day' : 'days'}`;
}

function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'an unknown size';
  if (bytes < 1024) return `${bytes} bytes`;
  return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB`;
}

/**
 * What most likely went wrong, and what to do about it. `skewSeconds` is read as the request's
 * timestamp minus this server's clock: negative when Purchasely's timestamps are behind it.
 */
/** What the explanation reads of a refusal; `reason` may be one a newer bridge added. */
type RefusalFacts = Pick<RejectionOut, 'skewSeconds' | 'size'> & { reason: RejectionOut['reason'] | (string & {}) };

export function explainRejection(item: RefusalFacts, opts: { toleranceSeconds?: number } = {}): string {
  const window = opts.toleranceSeconds !== undefined ? ` (the window is ${opts.toleranceSeconds} s)` : '';
  switch (item.reason) {
    case 'missing_signature':
      return 'The request carried no Purchasely signature: it did not come from Purchasely, or a proxy in front of pcbridge drops the X-Purchasely-* headers.';
    case 'bad_signature':
      return "The signature does not match: the secret in Purchasely's console differs from the one set here. Copy its “Client shared secret” again and set it under “Purchasely webhook secret”.";
    case 'timestamp_out_of_window': {
      const skew = item.skewSeconds;
      if (skew === null || skew === undefined || !Number.isFinite(skew)) {
        return `The request's timestamp is too far from this server's clock${window}: check this server's clock.`;
      }
      if (Math.round(skew) === 0) return `The request's timestamp was outside the window${window}: check this server's clock.`;
      const direction = skew < 0 ? 'behind' : 'ahead of';
      return `Timestamps ${formatSkew(skew)} ${direction} this server's clock${window}: check this server's clock (NTP) — Purchasely signs with the current time.`;
    }
    case 'legacy_scheme_not_allowed':
      return "Purchasely signed with an older signature scheme, which this app does not accept: switch the webhook to API v3 in Purchasely's console, or turn on “Accept Purchasely's older signature schemes” below.";
    case 'unknown_app':
      return "The URL names an app that does not exist here: check the webhook URL in Purchasely's console against the one above.";
    case 'payload_too_large':
      return `A body of ${formatBytes(item.size)}, over the 256 KiB limit: Purchasely's events are a few KiB, so this was most likely not Purchasely.`;
    default:
      return `Refused (${item.reason}).`;
  }
}

/** The summary of an app with no refused request: every reason at 0. */
export function noRefusals(): RejectionsOut['summary'] {
  return Object.fromEntries(REJECTION_REASONS.map((reason) => [reason, 0])) as RejectionsOut['summary'];
}
