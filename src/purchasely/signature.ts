import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Purchasely webhook signatures (API v3), see reference/purchasely.md "Delivery".
 *
 * Only `node:crypto` is imported: the client SDK re-exports this module, so it must stay free of
 * server code.
 */

/** The signature-related request headers, as they arrived (anything may be missing or odd). */
export type SignatureHeaders = {
  /** `X-PURCHASELY-REQUEST-SIGNATURE`: hex HMAC-SHA256 of timestamp + raw body (or, older, secret + raw body). */
  signature?: string;
  /** `X-PURCHASELY-TIMESTAMP`: Unix time in seconds. */
  timestamp?: string;
  /** `X-PURCHASELY-SIGNATURE`: deprecated hex HMAC-SHA256 of secret + timestamp (does not cover the body). */
  legacySignature?: string;
};

/** Which scheme proved the request: v3 (timestamp + body), the older body-only one, or the deprecated header. */
export type SignatureScheme = 'v3' | 'body_no_timestamp' | 'deprecated_header';

export type SignatureVerdict = { ok: true; scheme: SignatureScheme } | { ok: false; reason: string };

export type VerifySignatureOptions = {
  /** Active shared secrets (two during a rotation); empty strings are ignored. */
  secrets: string[];
  headers: SignatureHeaders;
  /** The request body exactly as received, never re-serialised. */
  rawBody: Buffer;
  /** Current time (epoch ms) from the caller's clock. */
  nowMs: number;
  /** Largest accepted distance between the timestamp header and now, either way. */
  toleranceSeconds: number;
  /** Accept the two older schemes (body without timestamp, deprecated header). */
  allowLegacy: boolean;
};

const SHA256_HEX_LENGTH = 64;
const HEX_RE = /^[0-9a-fA-F]{64}$/;
// Seconds since the epoch; 12 digits reach far past any plausible date and keep parsing cheap.
const TIMESTAMP_RE = /^[0-9]{1,12}$/;

/**
 * Signs a request the way Purchasely does (v3): lowercase hex HMAC-SHA256, key = shared secret,
 * message = timestamp header value followed by the raw body bytes.
 */
export function signPurchaselyRequest(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp, 'utf8').update(toBuffer(rawBody)).digest('hex');
}

/**
 * The older scheme (same header, no timestamp): HMAC-SHA256(secret, secret + raw body).
 * Exported for the simulator and tests; it covers the body but not replay.
 */
export function signPurchaselyBodyWithoutTimestamp(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(secret, 'utf8').update(toBuffer(rawBody)).digest('hex');
}

/**
 * The deprecated `X-PURCHASELY-SIGNATURE`: HMAC-SHA256(secret, secret + timestamp).
 * It proves nothing about the payload, hence only accepted when an app opts in.
 */
export function signPurchaselyDeprecatedHeader(secret: string, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(secret + timestamp, 'utf8')
    .digest('hex');
}

/**
 * Checks a webhook request against every active secret, comparing in constant time.
 * Never throws: odd header types, malformed hex, huge values and bad options all end in
 * `{ ok: false, reason }` (a short snake_case reason, safe to log: no secret or signature in it).
 */
export function verifyPurchaselySignature(opts: VerifySignatureOptions): SignatureVerdict {
  try {
    return verifyOrThrow(opts);
  } catch {
    // Defensive: nothing above should throw, but a verifier must fail closed, never crash a request.
    return { ok: false, reason: 'verification_error' };
  }
}

function verifyOrThrow(opts: VerifySignatureOptions): SignatureVerdict {
  const secrets = Array.isArray(opts?.secrets) ? opts.secrets.filter((s): s is string => typeof s === 'string' && s.length > 0) : [];
  if (secrets.length === 0) return { ok: false, reason: 'no_secret_configured' };
  if (!Buffer.isBuffer(opts.rawBody) && typeof opts.rawBody !== 'string') return { ok: false, reason: 'invalid_body' };
  if (!Number.isFinite(opts.nowMs)) return { ok: false, reason: 'invalid_clock' };
  if (!Number.isFinite(opts.toleranceSeconds) || opts.toleranceSeconds < 0) {
    return { ok: false, reason: 'invalid_tolerance' };
  }
  const rawBody = toBuffer(opts.rawBody);
  const headers = opts.headers ?? {};
  const signatureText = headerText(headers.signature);
  const timestampText = headerText(headers.timestamp);
  const legacyText = opts.allowLegacy ? headerText(headers.legacySignature) : null;

  if (signatureText === null && legacyText === null) {
    return { ok: false, reason: 'missing_signature' };
  }
  const timestamp = timestampText !== null && TIMESTAMP_RE.test(timestampText) ? timestampText : null;
  const fresh = timestamp !== null && isFresh(timestamp, opts.nowMs, opts.toleranceSeconds);

  let sawStaleMatch = false;
  if (signatureText !== null) {
    const given = parseHexDigest(signatureText);
    if (given !== null) {
      if (timestamp !== null) {
        if (matchesAny(given, secrets, (s) => signPurchaselyRequest(s, timestamp, rawBody))) {
          if (fresh) return { ok: true, scheme: 'v3' };
          sawStaleMatch = true;
        }
      }
      if (opts.allowLegacy && matchesAny(given, secrets, (s) => signPurchaselyBodyWithoutTimestamp(s, rawBody))) {
        return { ok: true, scheme: 'body_no_timestamp' };
      }
    }
  }
  if (legacyText !== null && timestamp !== null) {
    const given = parseHexDigest(legacyText);
    if (given !== null && matchesAny(given, secrets, (s) => signPurchaselyDeprecatedHeader(s, timestamp))) {
      if (fresh) return { ok: true, scheme: 'deprecated_header' };
      sawStaleMatch = true;
    }
  }

  if (sawStaleMatch) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  if (signatureText !== null && parseHexDigest(signatureText) === null && legacyText === null) {
    return { ok: false, reason: 'malformed_signature' };
  }
  if (timestamp === null && !opts.allowLegacy) {
    return { ok: false, reason: timestampText === null ? 'missing_timestamp' : 'malformed_timestamp' };
  }
  return { ok: false, reason: 'signature_mismatch' };
}

function toBuffer(body: Buffer | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** A header value as one trimmed string, or null when absent, not a string, empty or absurdly long. */
function headerText(value: unknown): string | null {
  // Node gives arrays for repeated headers; a repeated signature header is not something Purchasely sends.
  if (typeof value !== 'string') return null;
  if (value.length > 256) return null;
  const trimmed = value.trim();
  return trimmed.length === 0 ? null : trimmed;
}

function parseHexDigest(text: string): Buffer | null {
  if (text.length !== SHA256_HEX_LENGTH || !HEX_RE.test(text)) return null;
  return Buffer.from(text, 'hex');
}

function isFresh(timestamp: string, nowMs: number, toleranceSeconds: number): boolean {
  const seconds = Number(timestamp);
  return Math.abs(nowMs / 1000 - seconds) <= toleranceSeconds;
}

/** Compares against every secret (no early exit) so timing does not reveal which secret matched. */
function matchesAny(given: Buffer, secrets: string[], sign: (secret: string) => string): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret), 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}
