/**
 * Hostile Purchasely webhooks for fuzzing the whole bridge (fast-check arbitraries): documented
 * payloads with attributes replaced by odd values (NUL bytes, lone surrogates, huge numbers,
 * dates out of range, wrong types, 256-character ids), deep nesting, raw bytes in odd encodings,
 * bodies at and past the size limit, and signatures that are valid, stale, wrong or missing.
 * Used by the CI fuzz test (test/fuzz) and the larger run of `npm run bench fuzz`.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';

/** The webhook's body limit (256 KiB). */
export const BODY_LIMIT = 256 * 1024;

const FIXTURE_NAMES = ['ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED'] as const;
const FIXTURES: Record<string, Record<string, unknown>> = Object.fromEntries(
  FIXTURE_NAMES.map((name) => [name, JSON.parse(readFileSync(new URL(`../../test/fixtures/purchasely/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>]),
);

/** A value of any JSON-ish shape, odd strings and numbers included. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x\udfffy', 'x'.repeat(3000), '__proto__', 'constructor', '4.99', 'abc'),
  fc.constantFrom(1e300, -1e300, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, 8.64e15 + 1, -8.64e15 - 1, 1e20, -62_200_000_000_000, 253_402_300_800_000),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Attributes worth breaking: identity, dates, money, nesting. */
const ATTRIBUTES = [
  'event_id',
  'event_name',
  'event_created_at',
  'event_created_at_ms',
  'user_id',
  'anonymous_user_id',
  'environment',
  'purchased_at_ms',
  'next_renewal_at',
  'purchasely_subscription_id',
  'purchase_type',
  'subscription_status',
  'amount_in_customer_currency',
  'cumulated_revenues_in_eur',
  'transferred_to_user_id',
  '__proto__',
  'extra',
] as const;

/** An id of 1–256 characters, sometimes with characters a URL must escape. */
const idText = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 256 }), fc.constantFrom('x'.repeat(101), 'y'.repeat(256), 'a/b?c#d%e f', 'ünï©ødé'));

/** A documented payload with a few attributes replaced by odd values, under a fresh event_id unless one is chosen. */
export const mutatedPayload: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...FIXTURE_NAMES), fc.uuid(), fc.option(idText, { nil: undefined }), fc.dictionary(fc.constantFrom(...ATTRIBUTES), oddValue, { maxKeys: 3 }))
  .map(([name, uuid, eventId, overrides]) => JSON.stringify({ ...FIXTURES[name], event_id: eventId ?? `fuzz-${uuid}`, ...overrides }));

/** A documented payload with a deeply nested attribute. */
const deepPayload: fc.Arbitrary<string> = fc.tuple(fc.uuid(), fc.integer({ min: 100, max: 12_000 }), fc.boolean()).map(([uuid, depth, arrays]) => {
  const open = arrays ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = arrays ? ']'.repeat(depth) : '}'.repeat(depth);
  const nested = `${open}${arrays ? '' : '1'}${close}`;
  return JSON.stringify({ ...FIXTURES['ACTIVATE'], event_id: `deep-${uuid}` }).replace(/}$/, `,"nested":${nested}}`);
});

/** Bodies: raw bytes, odd encodings, JSON of any shape, mutated and nested payloads, sizes around the limit. */
export const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: mutatedPayload.map((s) => Buffer.from(s)), weight: 6 },
  { arbitrary: deepPayload.map((s) => Buffer.from(s)), weight: 1 },
  { arbitrary: mutatedPayload.map((s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s, 'utf8')), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])), weight: 1 },
  { arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 1 },
  { arbitrary: fc.constantFrom(BODY_LIMIT, BODY_LIMIT + 1).map((n) => Buffer.alloc(n, 0x7b)), weight: 1 },
);

export type SignatureMode = 'valid' | 'stale' | 'wrong-secret' | 'garbage' | 'missing';

/** Printable ASCII, the only bytes an HTTP client lets through in a header value. */
const headerText = (maxLength: number) => fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((codes) => String.fromCharCode(...codes));

export const webhookArb = fc.record({
  body: bodyArb,
  signature: fc.constantFrom<SignatureMode>('valid', 'valid', 'valid', 'valid', 'valid', 'stale', 'wrong-secret', 'garbage', 'missing'),
  garbage: headerText(100),
  contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16'), { nil: undefined }),
});

export type FuzzedWebhook = typeof webhookArb extends fc.Arbitrary<infer T> ? T : never;

/** The request headers for a fuzzed webhook signed (or not) with `secret`. */
export function fuzzedHeaders(r: FuzzedWebhook, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  const sign = (key: string, at: number) => {
    headers['x-purchasely-timestamp'] = String(at);
    headers['x-purchasely-request-signature'] = signPurchaselyRequest(key, String(at), r.body);
  };
  if (r.signature === 'valid') sign(secret, nowSeconds);
  else if (r.signature === 'stale') sign(secret, nowSeconds - 3600);
  else if (r.signature === 'wrong-secret') sign('another-secret', nowSeconds);
  else if (r.signature === 'garbage') headers['x-purchasely-request-signature'] = r.garbage;
  return headers;
}

/** The answer the webhook owes a fuzzed request (SPEC: 413 past the limit, 401 unsigned, else 200). */
export function expectedStatus(r: FuzzedWebhook): 200 | 401 | 413 {
  if (r.body.length > BODY_LIMIT) return 413;
  return r.signature === 'valid' ? 200 : 401;
}
