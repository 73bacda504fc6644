import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/ingest/verify-webhook.js';
import { signPurchaselyBodyWithoutTimestamp, signPurchaselyDeprecatedHeader, signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { classifySignatureRefusal } from '../../src/rejections/classify-signature-refusal.js';

const NOW = Date.UTC(2026, 2, 1, 10, 0, 0);
const S = String(NOW / 1000);
const body = Buffer.from('{"event_id":"e1","event_name":"ACTIVATE"}');
const app = { id: 'app_1', secrets: ['current-secret', 'previous-secret'], toleranceSeconds: 300, allowLegacy: false };

function classify(headers: Record<string, string>, a = app) {
  const verdict = verifyWebhook(a, headers, body, NOW);
  if (verdict.ok) throw new Error('expected a refusal');
  return classifySignatureRefusal(a, headers, body, NOW, verdict);
}

describe('naming the cause of a refused signature', () => {
  it.each([
    ['no signature header at all', {}, 'missing_signature', null],
    ['a timestamp but no signature', { 'x-purchasely-timestamp': S }, 'missing_signature', null],
    ['a signature made with another secret', { 'x-purchasely-timestamp': S, 'x-purchasely-request-signature': signPurchaselyRequest('other', S, body) }, 'bad_signature', null],
    ['a signature that is not hex', { 'x-purchasely-timestamp': S, 'x-purchasely-request-signature': 'nope' }, 'bad_signature', null],
    [
      'a wrong signature with an old timestamp (proves nothing about the clock)',
      { 'x-purchasely-timestamp': String(NOW / 1000 - 900), 'x-purchasely-request-signature': 'a'.repeat(64) },
      'bad_signature',
      null,
    ],
    [
      'a right signature 420 s behind',
      { 'x-purchasely-timestamp': String(NOW / 1000 - 420), 'x-purchasely-request-signature': signPurchaselyRequest('current-secret', String(NOW / 1000 - 420), body) },
      'timestamp_out_of_window',
      -420,
    ],
    [
      'a right signature 301 s ahead, with the previous secret',
      { 'x-purchasely-timestamp': String(NOW / 1000 + 301), 'x-purchasely-request-signature': signPurchaselyRequest('previous-secret', String(NOW / 1000 + 301), body) },
      'timestamp_out_of_window',
      301,
    ],
    [
      'the older body-only scheme, no timestamp',
      { 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp('current-secret', body) },
      'legacy_scheme_not_allowed',
      null,
    ],
    [
      'the older body-only scheme beside a timestamp, upper-case hex',
      { 'x-purchasely-timestamp': S, 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp('previous-secret', body).toUpperCase() },
      'legacy_scheme_not_allowed',
      null,
    ],
    ['the deprecated header', { 'x-purchasely-timestamp': S, 'x-purchasely-signature': signPurchaselyDeprecatedHeader('current-secret', S) }, 'legacy_scheme_not_allowed', null],
    ['the deprecated header, wrong', { 'x-purchasely-timestamp': S, 'x-purchasely-signature': 'b'.repeat(64) }, 'bad_signature', null],
  ])('%s → %s', (_what, headers, reason, skew) => {
    expect(classify(headers as Record<string, string>)).toEqual({ reason, skewSeconds: skew });
  });

  it('says bad_signature, not legacy, when the app accepts the older schemes and the request still fails', () => {
    const legacyApp = { ...app, allowLegacy: true };
    expect(classify({ 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp('other', body) }, legacyApp)).toEqual({ reason: 'bad_signature', skewSeconds: null });
  });
});
