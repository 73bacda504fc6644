import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture, useHarness } from './helpers.js';

const SECRET = 'property-secret';
const LIMIT = 256 * 1024;

/** Printable ASCII, the only bytes an HTTP client lets through in a header value. */
const headerText = (maxLength: number) => fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((codes) => String.fromCharCode(...codes));

/** A value of any JSON-ish shape, odd strings included (NUL, lone surrogates, very long). */
const oddValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', 'x'.repeat(3000), '__proto__', 1e300, -1e300, 2 ** 63, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A documented payload with a few attributes replaced by odd values (a unique event_id unless overridden). */
const mutatedFixture = fc
  .tuple(
    fc.constantFrom('ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED' as const),
    fc.uuid(),
    fc.dictionary(
      fc.constantFrom('event_id', 'event_name', 'event_created_at', 'event_created_at_ms', 'user_id', 'anonymous_user_id', 'environment', '__proto__', 'extra'),
      oddValue,
      { maxKeys: 3 },
    ),
  )
  .map(([name, id, overrides]) => JSON.stringify({ ...loadFixture(name), event_id: `prop-${id}`, ...overrides }));

const deeplyNested = fc.integer({ min: 1000, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

/** Bodies: raw bytes, text in odd encodings, JSON of any shape, mutated fixtures, near and past the size limit. */
const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 500 }).map((s) => Buffer.from(s, 'utf8')),
  fc.string({ maxLength: 200 }).map((s) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s, 'latin1')),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  mutatedFixture.map((s) => Buffer.from(s)),
  mutatedFixture.map((s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])),
  deeplyNested.map((s) => Buffer.from(s)),
  fc.constantFrom(LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 5000).map((n) => Buffer.alloc(n, 0x7b)),
);

type SignatureMode = 'valid' | 'stale' | 'wrong-secret' | 'garbage' | 'missing';

const requestArb = fc.record({
  body: bodyArb,
  signature: fc.constantFrom<SignatureMode>('valid', 'valid', 'valid', 'stale', 'wrong-secret', 'garbage', 'missing'),
  garbageSignature: headerText(100),
  garbageTimestamp: fc.option(headerText(20), { nil: undefined }),
  contentType: fc.option(headerText(60), { nil: undefined }),
  legacyHeader: fc.option(headerText(80), { nil: undefined }),
});

type ArbitraryRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function headersFor(r: ArbitraryRequest): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  if (r.legacyHeader !== undefined) headers['x-purchasely-signature'] = r.legacyHeader;
  switch (r.signature) {
    case 'valid':
      headers['x-purchasely-timestamp'] = String(now);
      headers['x-purchasely-request-signature'] = signPurchaselyRequest(SECRET, String(now), r.body);
      break;
    case 'stale':
      headers['x-purchasely-timestamp'] = String(now - 3600);
      headers['x-purchasely-request-signature'] = signPurchaselyRequest(SECRET, String(now - 3600), r.body);
      break;
    case 'wrong-secret':
      headers['x-purchasely-timestamp'] = String(now);
      headers['x-purchasely-request-signature'] = signPurchaselyRequest('another-secret', String(now), r.body);
      break;
    case 'garbage':
      if (r.garbageTimestamp !== undefined) headers['x-purchasely-timestamp'] = r.garbageTimestamp;
      headers['x-purchasely-request-signature'] = r.garbageSignature;
      break;
    case 'missing':
      break;
  }
  return headers;
}

describe.each(DIALECTS)('the webhook under arbitrary input on %s', (dialect) => {
  const h = useHarness(dialect, { secret: SECRET });
  let pool: Pool;

  beforeAll(() => {
    pool = new Pool(h.baseUrl, { connections: 4 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('never crashes and never answers 5xx: signed bodies within the limit get 200, others 401 or 413', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const res = await pool.request({ method: 'POST', path: `/webhooks/purchasely/${h.appId}`, body: r.body, headers: headersFor(r) });
        const text = await res.body.text();
        expect(res.statusCode, text).toBeLessThan(500);
        if (r.body.length > LIMIT) {
          expect(res.statusCode).toBe(413);
        } else if (r.signature === 'valid') {
          expect(res.statusCode, text).toBe(200);
          expect(['stored', 'duplicate', 'quarantined']).toContain((JSON.parse(text) as { status: string }).status);
        } else {
          expect(res.statusCode, text).toBe(401);
        }
      }),
      { numRuns: 120 },
    );
    // The server is still up and well afterwards.
    const health = await pool.request({ method: 'GET', path: '/healthz' });
    await health.body.dump();
    expect(health.statusCode).toBe(200);
  });
});
