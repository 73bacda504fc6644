import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookApp } from '../ingest/app-secrets-cache.js';
import { signPurchaselyBodyWithoutTimestamp, signPurchaselyDeprecatedHeader, type SignatureVerdict } from '../purchasely/signature.js';
import type { RejectionReason } from '../contract/rejection-reasons.js';

/** Why a signature check failed, in the refusal log's words, with the clock skew when that was it. */
export interface SignatureRefusal {
  reason: Extract<RejectionReason, 'missing_signature' | 'bad_signature' | 'timestamp_out_of_window' | 'legacy_scheme_not_allowed'>;
  skewSeconds: number | null;
}

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * Names the cause of a failed verification (`verdict`, from `verifyWebhook`) for the refusal
 * log:
 *
 * - `timestamp_out_of_window` only when the signature is right for a timestamp outside the app's
 *   tolerance (a wrong signature with an old timestamp proves nothing about the sender's clock);
 *   `skewSeconds` is that timestamp minus the server's clock.
 * - `legacy_scheme_not_allowed` when the request is signed with one of the two older schemes
 *   (body without timestamp, or the deprecated `X-PURCHASELY-SIGNATURE`) and the app does not
 *   enable them. Checked here, on the refusal path only: one HMAC per active secret for the
 *   scheme the headers point to, never the v3 one again.
 * - `missing_signature` when neither signature header came; else `bad_signature`.
 */
export function classifySignatureRefusal(
  app: WebhookApp,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  nowMs: number,
  verdict: Extract<SignatureVerdict, { ok: false }>,
): SignatureRefusal {
  if (verdict.reason === 'timestamp_out_of_tolerance') {
    const seconds = Number(headers['x-purchasely-timestamp']);
    return { reason: 'timestamp_out_of_window', skewSeconds: Number.isFinite(seconds) ? Math.round(seconds - nowMs / 1000) : null };
  }
  const signature = headerText(headers['x-purchasely-request-signature']);
  const deprecated = headerText(headers['x-purchasely-signature']);
  if (!app.allowLegacy && signedWithLegacyScheme(app.secrets, signature, deprecated, headerText(headers['x-purchasely-timestamp']), rawBody)) {
    return { reason: 'legacy_scheme_not_allowed', skewSeconds: null };
  }
  return { reason: signature === null && deprecated === null ? 'missing_signature' : 'bad_signature', skewSeconds: null };
}

/** True when a signature header holds one of the older schemes' HMACs for an active secret. */
function signedWithLegacyScheme(secrets: readonly string[], signature: string | null, deprecated: string | null, timestamp: string | null, rawBody: Buffer): boolean {
  const active = secrets.filter((s) => s.length > 0);
  if (signature !== null && HEX_DIGEST.test(signature) && active.some((s) => sameDigest(signature, signPurchaselyBodyWithoutTimestamp(s, rawBody)))) return true;
  // The deprecated header's HMAC covers the timestamp (whatever its age: the scheme is the refusal's cause).
  if (deprecated !== null && timestamp !== null && HEX_DIGEST.test(deprecated) && active.some((s) => sameDigest(deprecated, signPurchaselyDeprecatedHeader(s, timestamp))))
    return true;
  return false;
}

function sameDigest(givenHex: string, expectedHex: string): boolean {
  return timingSafeEqual(Buffer.from(givenHex.toLowerCase(), 'hex'), Buffer.from(expectedHex, 'hex'));
}

/** A header as one trimmed, non-empty string of sane length, else null (as the verifier reads it). */
function headerText(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 256) return null;
  const trimmed = value.trim();
  return trimmed.length === 0 ? null : trimmed;
}
