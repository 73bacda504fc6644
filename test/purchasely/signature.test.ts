import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { signPurchaselyDeprecatedHeader, signPurchaselyRequest, verifyPurchaselySignature, type SignatureHeaders } from '../../src/purchasely/signature.js';

// Documented test vectors (reference/purchasely.md, "Delivery").
const V3_BODY = '{"a_random_key":"a_random_value_ad"}';
const V3_TIMESTAMP = '1698322022';
const V3_SIGNATURE = 'f3c2a452e9ea72f41107321aeaf7999f1054148866a710c9b23f9f501785e2a4';
const OLD_BODY = '{"a_random_key":"a_random_value_amet"}';
const OLD_SIGNATURE = '506c1cfbd92bafc81b6b1246ff9addbfdff8cddc07fb7298df2cdc32f144a180';

const NOW_MS = 1698322022 * 1000;

function verify(headers: SignatureHeaders, body: string, overrides: Partial<Parameters<typeof verifyPurchaselySignature>[0]> = {}) {
  return verifyPurchaselySignature({
    secrets: ['foobar'],
    headers,
    rawBody: Buffer.from(body),
    nowMs: NOW_MS,
    toleranceSeconds: 300,
    allowLegacy: false,
    ...overrides,
  });
}

describe('signPurchaselyRequest', () => {
  it('reproduces the documented v3 test vector', () => {
    expect(signPurchaselyRequest('foobar', V3_TIMESTAMP, V3_BODY)).toBe(V3_SIGNATURE);
  });

  it('gives the same signature for a Buffer body as for the same string', () => {
    expect(signPurchaselyRequest('foobar', V3_TIMESTAMP, Buffer.from(V3_BODY))).toBe(V3_SIGNATURE);
  });
});

describe('verifyPurchaselySignature', () => {
  it('accepts the documented v3 vector', () => {
    expect(verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, V3_BODY)).toEqual({ ok: true, scheme: 'v3' });
  });

  it('accepts an upper-case hex signature and surrounding spaces', () => {
    const result = verify({ signature: ` ${V3_SIGNATURE.toUpperCase()} `, timestamp: V3_TIMESTAMP }, V3_BODY);
    expect(result).toEqual({ ok: true, scheme: 'v3' });
  });

  it('refuses a signature made with another secret', () => {
    const signature = signPurchaselyRequest('not-foobar', V3_TIMESTAMP, V3_BODY);
    expect(verify({ signature, timestamp: V3_TIMESTAMP }, V3_BODY)).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('refuses a body changed by one character', () => {
    const tampered = V3_BODY.replace('ad', 'ae');
    expect(verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, tampered)).toEqual({
      ok: false,
      reason: 'signature_mismatch',
    });
  });

  it('refuses a re-serialised body (whitespace added) even though the JSON is equal', () => {
    const reserialised = JSON.stringify(JSON.parse(V3_BODY), null, 1);
    expect(verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, reserialised).ok).toBe(false);
  });

  it('refuses a correctly signed request whose timestamp is older than the tolerance', () => {
    const result = verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, V3_BODY, { nowMs: NOW_MS + 301_000 });
    expect(result).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  it('refuses a correctly signed request whose timestamp is further in the future than the tolerance', () => {
    const result = verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, V3_BODY, { nowMs: NOW_MS - 301_000 });
    expect(result).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  it('accepts a timestamp exactly at the tolerance in either direction', () => {
    const headers = { signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP };
    expect(verify(headers, V3_BODY, { nowMs: NOW_MS + 300_000 }).ok).toBe(true);
    expect(verify(headers, V3_BODY, { nowMs: NOW_MS - 300_000 }).ok).toBe(true);
  });

  it('honours a per-app tolerance', () => {
    const headers = { signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP };
    expect(verify(headers, V3_BODY, { nowMs: NOW_MS + 60_000, toleranceSeconds: 30 }).ok).toBe(false);
    expect(verify(headers, V3_BODY, { nowMs: NOW_MS + 60_000, toleranceSeconds: 90 }).ok).toBe(true);
  });

  it('accepts a request signed with the second active secret during a rotation', () => {
    const result = verify({ signature: V3_SIGNATURE, timestamp: V3_TIMESTAMP }, V3_BODY, {
      secrets: ['the-new-secret', 'foobar'],
    });
    expect(result).toEqual({ ok: true, scheme: 'v3' });
  });

  it('refuses everything when no secret is configured, and ignores empty secrets', () => {
    const headers = { signature: signPurchaselyRequest('', V3_TIMESTAMP, V3_BODY), timestamp: V3_TIMESTAMP };
    expect(verify(headers, V3_BODY, { secrets: [] })).toEqual({ ok: false, reason: 'no_secret_configured' });
    expect(verify(headers, V3_BODY, { secrets: [''] })).toEqual({ ok: false, reason: 'no_secret_configured' });
  });

  it('says which header is missing', () => {
    expect(verify({ timestamp: V3_TIMESTAMP }, V3_BODY)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify({ signature: V3_SIGNATURE }, V3_BODY)).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verify({ signature: V3_SIGNATURE, timestamp: '1698322022.5' }, V3_BODY)).toEqual({
      ok: false,
      reason: 'malformed_timestamp',
    });
    expect(verify({ signature: 'zz' + V3_SIGNATURE.slice(2), timestamp: V3_TIMESTAMP }, V3_BODY)).toEqual({
      ok: false,
      reason: 'malformed_signature',
    });
  });

  describe('the older body-only scheme', () => {
    it('is accepted only when the app allows legacy signatures (documented vector)', () => {
      expect(verify({ signature: OLD_SIGNATURE }, OLD_BODY, { allowLegacy: true })).toEqual({
        ok: true,
        scheme: 'body_no_timestamp',
      });
      expect(verify({ signature: OLD_SIGNATURE }, OLD_BODY, { allowLegacy: false }).ok).toBe(false);
      expect(verify({ signature: OLD_SIGNATURE, timestamp: V3_TIMESTAMP }, OLD_BODY, { allowLegacy: false }).ok).toBe(false);
    });

    it('still refuses a tampered body', () => {
      expect(verify({ signature: OLD_SIGNATURE }, OLD_BODY + ' ', { allowLegacy: true }).ok).toBe(false);
    });
  });

  describe('the deprecated X-PURCHASELY-SIGNATURE header', () => {
    const legacySignature = signPurchaselyDeprecatedHeader('foobar', V3_TIMESTAMP);

    it('is HMAC(secret, secret + timestamp)', () => {
      // Independent computation with node:crypto, written out here rather than trusting the helper.
      expect(legacySignature).toBe(createHmac('sha256', 'foobar').update('foobar1698322022').digest('hex'));
    });

    it('is accepted only when legacy signatures are allowed and the timestamp is fresh', () => {
      const headers = { legacySignature, timestamp: V3_TIMESTAMP };
      expect(verify(headers, 'any body', { allowLegacy: true })).toEqual({ ok: true, scheme: 'deprecated_header' });
      expect(verify(headers, 'any body', { allowLegacy: false })).toEqual({ ok: false, reason: 'missing_signature' });
      expect(verify(headers, 'any body', { allowLegacy: true, nowMs: NOW_MS + 3_600_000 })).toEqual({
        ok: false,
        reason: 'timestamp_out_of_tolerance',
      });
    });
  });

  it('never throws, whatever the headers and options look like', () => {
    const odd = fc.oneof(fc.string(), fc.constant(undefined), fc.constant(null), fc.array(fc.string()), fc.integer(), fc.constant('a'.repeat(100_000)), fc.constant(V3_SIGNATURE));
    fc.assert(
      fc.property(odd, odd, odd, fc.boolean(), fc.double(), (signature, timestamp, legacySignature, allowLegacy, tol) => {
        const result = verifyPurchaselySignature({
          secrets: ['foobar'],
          headers: { signature, timestamp, legacySignature } as unknown as SignatureHeaders,
          rawBody: Buffer.from(V3_BODY),
          nowMs: NOW_MS,
          toleranceSeconds: tol,
          allowLegacy,
        });
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
    expect(verifyPurchaselySignature(null as never).ok).toBe(false);
    expect(verifyPurchaselySignature({} as never).ok).toBe(false);
  });
});
