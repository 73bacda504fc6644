import { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { signPurchaselyBodyWithoutTimestamp, signPurchaselyDeprecatedHeader, signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture, loadFixtureBytes, signedHeaders, startHarness, storedEvents, useHarness } from './helpers.js';

const SECRET = 'purchasely-shared-secret';

describe.each(DIALECTS)('POST /webhooks/purchasely/{appId} on %s', (dialect) => {
  const h = useHarness(dialect, { secret: SECRET });

  it('answers 404 unknown_app for an app that does not exist and stores nothing', async () => {
    const body = loadFixtureBytes('ACTIVATE');
    const res = await h.post('app_doesnotexist00000', body, signedHeaders(SECRET, body));
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ error: { code: 'unknown_app' } });
    const count = await h.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events');
    expect(Number(count?.n)).toBe(0);
  });

  it('answers 404 for an unknown app even when the body is also too large (the table order)', async () => {
    const body = Buffer.alloc(300 * 1024, 0x20);
    const res = await h.post('app_doesnotexist00000', body, signedHeaders(SECRET, body));
    expect(res.status).toBe(404);
  });

  it('stores a valid signed fixture once and answers 200 after filling every column', async () => {
    const body = loadFixtureBytes('ACTIVATE');
    const before = Date.now();
    const res = await h.post(h.appId, body, signedHeaders(SECRET, body));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'stored' });
    const rows = await storedEvents(h.t, h.appId);
    const row = rows.find((r) => r.event_id === '5e45109f-7fac-45f8-a7e4-464892d5d35d');
    expect(row).toMatchObject({
      event_name: 'ACTIVATE',
      user_key: 'toto',
      user_id: 'toto',
      anonymous_user_id: null,
      environment: 'SANDBOX',
      event_created_at: 1702390766120,
      status: 'received',
      reason: null,
      duplicates: 0,
    });
    expect(row!.received_at).toBeGreaterThanOrEqual(before);
    expect(row!.received_at).toBeLessThanOrEqual(Date.now());
    expect(Buffer.from(row!.raw_body!).equals(body)).toBe(true);
  });

  it('keys an anonymous user on anonymous_user_id', async () => {
    const body = loadFixtureBytes('SUBSCRIPTION_STARTED');
    expect((await h.post(h.appId, body, signedHeaders(SECRET, body))).status).toBe(200);
    const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === '1a03612c-4960-40be-bc69-eeab14f9c6e9');
    expect(row).toMatchObject({
      user_key: '5ca811b6-46e9-4847-9381-3911bd5fcd7b',
      user_id: null,
      anonymous_user_id: '5ca811b6-46e9-4847-9381-3911bd5fcd7b',
      event_created_at: 1702389064953,
    });
  });

  it('counts a retry of the same event_id as a duplicate, answers 200 and stores nothing new', async () => {
    const body = loadFixtureBytes('TRANSACTION_PROCESSED');
    expect((await h.post(h.appId, body, signedHeaders(SECRET, body))).status).toBe(200);
    // Purchasely's retry: same payload, a later timestamp.
    const retry = await h.post(h.appId, body, signedHeaders(SECRET, body, Math.floor(Date.now() / 1000) + 1));
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual({ status: 'duplicate' });
    const rows = (await storedEvents(h.t, h.appId)).filter((r) => r.event_id === 'a2430cab-b56f-45d6-9268-8f9f35e20b59');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.duplicates).toBe(1);
  });

  it('stores an event name it does not know as such', async () => {
    const payload = { ...loadFixture('ACTIVATE'), event_id: 'evt-unknown-name', event_name: 'SOMETHING_PURCHASELY_ADDED_LATER' };
    const body = JSON.stringify(payload);
    expect((await h.post(h.appId, body, signedHeaders(SECRET, body))).status).toBe(200);
    const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === 'evt-unknown-name');
    expect(row).toMatchObject({ event_name: 'SOMETHING_PURCHASELY_ADDED_LATER', status: 'received' });
  });

  it('accepts the body whatever its content type, and with none at all', async () => {
    for (const [i, type] of [
      ['1', 'text/plain'],
      ['2', 'application/octet-stream'],
      ['3', '???not a media type'],
      ['4', null],
    ] as const) {
      const body = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: `evt-ctype-${i}` });
      const headers = signedHeaders(SECRET, body);
      if (type === null) delete headers['content-type'];
      else headers['content-type'] = type;
      const res = await h.post(h.appId, body, headers);
      expect(res.status, `content type ${type}`).toBe(200);
    }
    const ids = (await storedEvents(h.t, h.appId)).map((r) => r.event_id);
    expect(ids).toEqual(expect.arrayContaining(['evt-ctype-1', 'evt-ctype-2', 'evt-ctype-3', 'evt-ctype-4']));
  });

  it('is listed in the OpenAPI document without admin auth, and JSON routes still parse JSON', async () => {
    const docs = await h.app.inject({ method: 'GET', url: '/docs', headers: AUTH });
    const spec = docs.json() as { paths: Record<string, { post?: { security?: unknown[] } }> };
    expect(spec.paths['/webhooks/purchasely/{appId}']?.post?.security).toEqual([]);
    // The raw-body parser is scoped to the webhook: the API still validates JSON bodies.
    const bad = await h.app.inject({ method: 'POST', url: '/api/v1/apps', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{"name":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
  });

  describe('body over 256 KiB', () => {
    function bigBody(bytes: number): Buffer {
      const base = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: `evt-big-${bytes}`, padding: '' });
      return Buffer.from(base.replace('"padding":""', `"padding":"${'x'.repeat(bytes - base.length)}"`));
    }

    it('answers 413 payload_too_large when Content-Length says so, and stores nothing', async () => {
      const body = bigBody(256 * 1024 + 1);
      const res = await h.post(h.appId, body, signedHeaders(SECRET, body));
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'payload_too_large' } });
      expect((await storedEvents(h.t, h.appId)).some((r) => r.event_id === `evt-big-${256 * 1024 + 1}`)).toBe(false);
    });

    it('answers 413 for a chunked body that grows past the limit while read', async () => {
      const body = bigBody(300 * 1024);
      async function* chunks() {
        for (let i = 0; i < body.length; i += 16 * 1024) yield body.subarray(i, i + 16 * 1024);
      }
      const res = await request(`${h.baseUrl}/webhooks/purchasely/${h.appId}`, { method: 'POST', body: Readable.from(chunks()), headers: signedHeaders(SECRET, body) });
      expect(res.headers['content-length']).toBeDefined();
      expect(res.statusCode).toBe(413);
      expect((await res.body.json()) as unknown).toMatchObject({ error: { code: 'payload_too_large' } });
    });

    it('accepts a signed body of exactly 256 KiB', async () => {
      const body = bigBody(256 * 1024);
      expect(body.length).toBe(262_144);
      expect((await h.post(h.appId, body, signedHeaders(SECRET, body))).status).toBe(200);
      expect((await storedEvents(h.t, h.appId)).some((r) => r.event_id === 'evt-big-262144')).toBe(true);
    });

    it('checks the size before the signature (413 for an unsigned oversized body)', async () => {
      const body = bigBody(257 * 1024);
      const res = await h.post(h.appId, body, { 'content-type': 'application/json' });
      expect(res.status).toBe(413);
    });
  });

  describe('signature', () => {
    const body = () => JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: `evt-sig-${Math.random()}` });

    async function expectRejected(payload: string, headers: Record<string, string>) {
      const res = await h.post(h.appId, payload, headers);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: { code: 'invalid_signature' } });
      const id = (JSON.parse(payload) as { event_id: string }).event_id;
      expect((await storedEvents(h.t, h.appId)).some((r) => r.event_id === id)).toBe(false);
    }

    it('refuses a request without a signature', async () => {
      const payload = body();
      await expectRejected(payload, { 'content-type': 'application/json', 'x-purchasely-timestamp': String(Math.floor(Date.now() / 1000)) });
    });

    it('refuses a signature made with another secret', async () => {
      const payload = body();
      await expectRejected(payload, signedHeaders('not-the-secret', payload));
    });

    it('refuses a signature over other bytes (the body was changed)', async () => {
      const payload = body();
      const headers = signedHeaders(SECRET, payload);
      await expectRejected(payload.replace('"toto"', '"titi"'), headers);
    });

    it('refuses a timestamp further than 300 s in the past or in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      const old = body();
      await expectRejected(old, signedHeaders(SECRET, old, now - 310));
      const future = body();
      await expectRejected(future, signedHeaders(SECRET, future, now + 310));
    });

    it('accepts a timestamp within the tolerance either way', async () => {
      const now = Math.floor(Date.now() / 1000);
      const past = body();
      expect((await h.post(h.appId, past, signedHeaders(SECRET, past, now - 250))).status).toBe(200);
      const ahead = body();
      expect((await h.post(h.appId, ahead, signedHeaders(SECRET, ahead, now + 250))).status).toBe(200);
    });

    it("follows the app's tolerance once it is changed", async () => {
      const other = await h.createApp(SECRET);
      const patched = await h.app.inject({ method: 'PATCH', url: `/api/v1/apps/${other}`, headers: AUTH, payload: { signatureToleranceSeconds: 30 } });
      expect(patched.statusCode).toBe(200);
      const now = Math.floor(Date.now() / 1000);
      const payload = body();
      expect((await h.post(other, payload, signedHeaders(SECRET, payload, now - 60))).status).toBe(401);
      expect((await h.post(other, payload, signedHeaders(SECRET, payload, now - 10))).status).toBe(200);
    });

    it('accepts both secrets during a rotation, and only the new one once the previous is retired', async () => {
      const rotating = await h.createApp('old-secret');
      const warm = body();
      expect((await h.post(rotating, warm, signedHeaders('old-secret', warm))).status).toBe(200);
      const put = await h.app.inject({ method: 'PUT', url: `/api/v1/apps/${rotating}/webhook-secret`, headers: AUTH, payload: { secret: 'new-secret' } });
      expect(put.statusCode).toBe(200);
      const withNew = body();
      expect((await h.post(rotating, withNew, signedHeaders('new-secret', withNew))).status).toBe(200);
      const withOld = body();
      expect((await h.post(rotating, withOld, signedHeaders('old-secret', withOld))).status).toBe(200);
      const retired = await h.app.inject({ method: 'DELETE', url: `/api/v1/apps/${rotating}/webhook-secret/previous`, headers: AUTH });
      expect(retired.statusCode).toBe(200);
      // Secrets are cached for about 2 s per node; a retired secret stops working within that.
      await new Promise((r) => setTimeout(r, 2100));
      const lateOld = body();
      expect((await h.post(rotating, lateOld, signedHeaders('old-secret', lateOld))).status).toBe(401);
    });

    it('refuses the older schemes unless the app allows them', async () => {
      const payload = body();
      const timestamp = String(Math.floor(Date.now() / 1000));
      await expectRejected(payload, { 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp(SECRET, payload) });
      await expectRejected(payload, { 'x-purchasely-timestamp': timestamp, 'x-purchasely-signature': signPurchaselyDeprecatedHeader(SECRET, timestamp) });
    });

    it('accepts the older schemes once the app allows them', async () => {
      const legacy = await h.createApp(SECRET);
      await h.app.inject({ method: 'PATCH', url: `/api/v1/apps/${legacy}`, headers: AUTH, payload: { allowLegacySignatures: true } });
      const a = body();
      expect((await h.post(legacy, a, { 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp(SECRET, a) })).status).toBe(200);
      const b = body();
      const timestamp = String(Math.floor(Date.now() / 1000));
      expect((await h.post(legacy, b, { 'x-purchasely-timestamp': timestamp, 'x-purchasely-signature': signPurchaselyDeprecatedHeader(SECRET, timestamp) })).status).toBe(200);
    });
  });

  describe('signed but not usable: quarantined with the reason, answered 200', () => {
    const cases: [string, string, string][] = [
      ['not JSON', 'this is not json {', 'invalid_json'],
      ['JSON but not an object', '[1,2,3]', 'not_an_object'],
      ['no event_id', JSON.stringify({ event_name: 'ACTIVATE', event_created_at_ms: 1702390766120 }), 'missing_event_id'],
      ['a number as event_id', JSON.stringify({ event_id: 42, event_name: 'ACTIVATE', event_created_at_ms: 1702390766120 }), 'missing_event_id'],
    ];
    it.each(cases)('quarantines %s under a generated q_ id', async (_label, payload, reason) => {
      const res = await h.post(h.appId, payload, signedHeaders(SECRET, payload));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ status: 'quarantined' });
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.raw_body !== null && Buffer.from(r.raw_body).toString('utf8') === payload);
      expect(row).toMatchObject({ status: 'quarantined', reason });
      expect(row!.event_id).toMatch(/^q_[0-9a-f]{32}$/);
    });

    it('quarantines a payload without event_name under its own event_id', async () => {
      const payload = JSON.stringify({ event_id: 'evt-no-name', event_created_at_ms: 1702390766120, user_id: 'toto' });
      expect((await h.post(h.appId, payload, signedHeaders(SECRET, payload))).status).toBe(200);
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === 'evt-no-name');
      expect(row).toMatchObject({ status: 'quarantined', reason: 'missing_event_name', user_id: 'toto' });
    });

    it('quarantines a payload without a usable creation time', async () => {
      const payload = JSON.stringify({ event_id: 'evt-no-time', event_name: 'ACTIVATE', event_created_at: 'yesterday' });
      expect((await h.post(h.appId, payload, signedHeaders(SECRET, payload))).status).toBe(200);
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === 'evt-no-time');
      expect(row).toMatchObject({ status: 'quarantined', reason: 'missing_event_created_at', event_name: 'ACTIVATE' });
    });

    it('quarantines user ids the database cannot key on (3,000 characters) and stores a NUL in event_id as U+FFFD', async () => {
      const nul = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt\u0000nul' });
      const long = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-long-user', user_id: 'u'.repeat(3000) });
      expect((await h.post(h.appId, nul, signedHeaders(SECRET, nul))).json).toEqual({ status: 'stored' });
      expect((await h.post(h.appId, long, signedHeaders(SECRET, long))).status).toBe(200);
      const rows = await storedEvents(h.t, h.appId);
      expect(rows.find((r) => r.raw_body !== null && Buffer.from(r.raw_body).toString('utf8') === nul)).toMatchObject({ status: 'received', event_id: 'evt\ufffdnul' });
      expect(rows.find((r) => r.event_id === 'evt-long-user')).toMatchObject({ status: 'quarantined', reason: 'invalid_user_id', user_id: null });
    });

    it('quarantines a creation time no date can hold (event_created_at_ms = 1e300)', async () => {
      const payload = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-far-future', event_created_at_ms: 1e300 });
      expect((await h.post(h.appId, payload, signedHeaders(SECRET, payload))).status).toBe(200);
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === 'evt-far-future');
      expect(row).toMatchObject({ status: 'quarantined', reason: 'event_created_at_out_of_range', event_created_at: null });
    });

    it('stores NUL characters as U+FFFD in the other columns, and as sent in the raw body', async () => {
      const payload = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-nul-env', environment: 'SAND\u0000BOX' });
      expect((await h.post(h.appId, payload, signedHeaders(SECRET, payload))).status).toBe(200);
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.event_id === 'evt-nul-env');
      expect(row).toMatchObject({ status: 'received', environment: 'SAND\ufffdBOX' });
      expect(Buffer.from(row!.raw_body!).toString('utf8')).toBe(payload);
    });

    it('stores an empty signed body as quarantined', async () => {
      const res = await h.post(h.appId, '', signedHeaders(SECRET, ''));
      expect(res.status).toBe(200);
      const row = (await storedEvents(h.t, h.appId)).find((r) => r.raw_body !== null && Buffer.from(r.raw_body).length === 0);
      expect(row).toMatchObject({ status: 'quarantined', reason: 'invalid_json' });
    });

    it('recognises the same unusable body sent twice as a retry', async () => {
      const payload = 'still <not> json';
      await h.post(h.appId, payload, signedHeaders(SECRET, payload));
      const again = await h.post(h.appId, payload, signedHeaders(SECRET, payload));
      expect(again.json).toEqual({ status: 'duplicate' });
      const rows = (await storedEvents(h.t, h.appId)).filter((r) => r.raw_body !== null && Buffer.from(r.raw_body).toString('utf8') === payload);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.duplicates).toBe(1);
    });
  });

  describe('store unavailable', () => {
    it('answers 503 store_unavailable and Purchasely retries', async () => {
      const local = await startHarness(dialect);
      try {
        const id = await local.createApp(SECRET);
        const warm = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-warm' });
        expect((await local.post(id, warm, signedHeaders(SECRET, warm))).status).toBe(200);
        const payload = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-store-down' });
        if (dialect === 'sqlite') {
          // Another process holding the write lock past the busy timeout: the insert cannot commit.
          const target = local.t.ctx.config.database as { path: string };
          const blocker = new Database(target.path);
          blocker.exec('BEGIN EXCLUSIVE');
          try {
            const res = await local.post(id, payload, signedHeaders(SECRET, payload));
            expect(res.status).toBe(503);
            expect(res.json).toMatchObject({ error: { code: 'store_unavailable' } });
          } finally {
            blocker.exec('ROLLBACK');
            blocker.close();
          }
          expect((await storedEvents(local.t, id)).some((r) => r.event_id === 'evt-store-down')).toBe(false);
        }
        await local.t.ctx.store.close();
        if (dialect === 'postgres') {
          const res = await local.post(id, payload, signedHeaders(SECRET, payload));
          expect(res.status).toBe(503);
          expect(res.json).toMatchObject({ error: { code: 'store_unavailable' } });
        }
        // A webhook for an app not in the cache needs the store to be found at all: 503 too.
        const other = await local.post('app_notcachedyet0000', payload, signedHeaders(SECRET, payload));
        expect(other.status).toBe(503);
      } finally {
        await local.close();
      }
    }, 20_000);
  });
});

describe.each(DIALECTS)("Purchasely's documented signature test vectors over HTTP on %s", (dialect) => {
  // The documented vector was signed at 1698322022; the bridge's clock is set 10 s later.
  const clock = createManualClock(1_698_322_032_000);
  const h = useHarness(dialect, { clock, secret: 'foobar' });

  it('accepts the v3 vector (timestamp + body) and quarantines its event-less body', async () => {
    const body = '{"a_random_key":"a_random_value_ad"}';
    const res = await h.post(h.appId, body, {
      'content-type': 'application/json',
      'x-purchasely-timestamp': '1698322022',
      'x-purchasely-request-signature': 'f3c2a452e9ea72f41107321aeaf7999f1054148866a710c9b23f9f501785e2a4',
    });
    expect(res.status).toBe(200);
    const row = (await storedEvents(h.t, h.appId)).find((r) => Buffer.from(r.raw_body!).toString('utf8') === body);
    expect(row).toMatchObject({ status: 'quarantined', reason: 'missing_event_id', received_at: 1_698_322_032_000 });
  });

  it('refuses the v3 vector once the clock is past the tolerance', async () => {
    clock.set(1_698_322_022_000 + 301_000);
    try {
      const res = await h.post(h.appId, '{"a_random_key":"a_random_value_ad"}', {
        'x-purchasely-timestamp': '1698322022',
        'x-purchasely-request-signature': 'f3c2a452e9ea72f41107321aeaf7999f1054148866a710c9b23f9f501785e2a4',
      });
      expect(res.status).toBe(401);
    } finally {
      clock.set(1_698_322_032_000);
    }
  });

  it('refuses the older-scheme vector while legacy signatures are off, accepts it once they are on', async () => {
    const body = '{"a_random_key":"a_random_value_amet"}';
    const headers = { 'x-purchasely-request-signature': '506c1cfbd92bafc81b6b1246ff9addbfdff8cddc07fb7298df2cdc32f144a180' };
    expect((await h.post(h.appId, body, headers)).status).toBe(401);
    const legacy = await h.createApp('foobar');
    await h.app.inject({ method: 'PATCH', url: `/api/v1/apps/${legacy}`, headers: AUTH, payload: { allowLegacySignatures: true } });
    expect((await h.post(legacy, body, headers)).status).toBe(200);
    const row = (await storedEvents(h.t, legacy)).find((r) => Buffer.from(r.raw_body!).toString('utf8') === body);
    expect(row).toMatchObject({ status: 'quarantined', reason: 'missing_event_id' });
  });

  it('signs the vectors the way the helpers in this suite do', () => {
    expect(signPurchaselyRequest('foobar', '1698322022', '{"a_random_key":"a_random_value_ad"}')).toBe('f3c2a452e9ea72f41107321aeaf7999f1054148866a710c9b23f9f501785e2a4');
  });
});
