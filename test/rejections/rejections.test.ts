/**
 * Refused webhook requests (issue 14 "Refused requests"), on both stores: every 401, 404 and 413
 * of the webhook is recorded without its body — time, app (or the unknown app id), source
 * address, reason (with the clock skew), size — listed newest first under
 * /api/v1/apps/{appId}/rejections or /api/v1/rejections, and kept bounded however many come.
 */
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { signPurchaselyBodyWithoutTimestamp, signPurchaselyDeprecatedHeader, signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { createRejectionRecorder } from '../../src/rejections/rejection-recorder.js';
import { openStore } from '../../src/store/store.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { waitFor } from '../delivery/helpers.js';
import { everyRow } from '../helpers/integrations.js';

const SECRET = 'purchasely-rejections-secret';
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

type Item = { at: string; source: string; reason: string; skewSeconds: number | null; size: number; appId: string };
type List = { items: Item[]; summary: Record<string, number> };

describe.each(DIALECTS)('refused webhook requests (%s)', (dialect) => {
  const clock = createManualClock(T0);
  const api = useTestApi(dialect, { clock });
  let appId: string;
  let baseUrl: string;

  beforeAll(async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Refusals', webhookSecret: SECRET } });
    appId = (created.json() as { id: string }).id;
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });

  const nowSeconds = () => Math.floor(clock.now() / 1000);
  const post = (id: string, body: string, headers: Record<string, string>, remoteAddress = '198.51.100.7') =>
    api.app.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${encodeURIComponent(id)}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: body,
      remoteAddress,
    });
  const list = async (url: string): Promise<List> => {
    const res = await api.app.inject({ method: 'GET', url, headers: AUTH });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as List;
  };
  /** Waits for the recorder's next flush (about a second) until `url` lists at least `n` items. */
  const listed = async (url: string, n: number): Promise<List> => {
    let last: List = { items: [], summary: {} };
    await waitFor(async () => (last = await list(url)).items.length >= n, 10_000, `${n} refusals listed at ${url}`);
    return last;
  };
  const body = (marker: string) => JSON.stringify({ event_id: `evt-${marker}`, event_name: 'ACTIVATE', secret_marker: marker });

  it('records each reason with its time, source, size and skew, never the body, newest first', async () => {
    const bodies: Record<string, string> = {};
    const send = async (reason: string, headers: Record<string, string>, remote: string) => {
      bodies[reason] = body(`body-of-${reason}-7f3a`);
      const res = await post(appId, bodies[reason]!, headers, remote);
      expect(res.statusCode, reason).toBe(401);
      expect(res.json().error.code).toBe('invalid_signature');
      clock.advance(1000);
    };
    await send('missing_signature', {}, '198.51.100.1');
    await send(
      'bad_signature',
      { 'x-purchasely-timestamp': String(nowSeconds()), 'x-purchasely-request-signature': signPurchaselyRequest('not-the-secret', String(nowSeconds()), 'x') },
      '198.51.100.2',
    );
    const late = String(nowSeconds() - 420);
    bodies.timestamp_out_of_window = body('body-of-timestamp_out_of_window-7f3a');
    expect(
      (
        await post(
          appId,
          bodies.timestamp_out_of_window,
          { 'x-purchasely-timestamp': late, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, late, bodies.timestamp_out_of_window) },
          '198.51.100.3',
        )
      ).statusCode,
    ).toBe(401);
    clock.advance(1000);
    bodies.legacy_scheme_not_allowed = body('body-of-legacy-7f3a');
    expect(
      (
        await post(
          appId,
          bodies.legacy_scheme_not_allowed,
          { 'x-purchasely-request-signature': signPurchaselyBodyWithoutTimestamp(SECRET, bodies.legacy_scheme_not_allowed) },
          '198.51.100.4',
        )
      ).statusCode,
    ).toBe(401);
    clock.advance(1000);
    const ts = String(nowSeconds());
    expect(
      (await post(appId, body('deprecated-7f3a'), { 'x-purchasely-timestamp': ts, 'x-purchasely-signature': signPurchaselyDeprecatedHeader(SECRET, ts) }, '198.51.100.5'))
        .statusCode,
    ).toBe(401);
    clock.advance(1000);
    // Over 256 KiB by Content-Length: refused before a byte is read.
    const big = JSON.stringify({ event_id: 'evt-big', padding: 'x'.repeat(300 * 1024), secret_marker: 'body-of-big-7f3a' });
    expect((await post(appId, big, {}, '198.51.100.6')).statusCode).toBe(413);

    const got = await listed(`/api/v1/apps/${appId}/rejections`, 6);
    expect(got.items).toEqual([
      { at: new Date(T0 + 5000).toISOString(), source: '198.51.100.6', reason: 'payload_too_large', skewSeconds: null, size: Buffer.byteLength(big), appId },
      {
        at: new Date(T0 + 4000).toISOString(),
        source: '198.51.100.5',
        reason: 'legacy_scheme_not_allowed',
        skewSeconds: null,
        size: Buffer.byteLength(body('deprecated-7f3a')),
        appId,
      },
      {
        at: new Date(T0 + 3000).toISOString(),
        source: '198.51.100.4',
        reason: 'legacy_scheme_not_allowed',
        skewSeconds: null,
        size: Buffer.byteLength(bodies.legacy_scheme_not_allowed),
        appId,
      },
      {
        at: new Date(T0 + 2000).toISOString(),
        source: '198.51.100.3',
        reason: 'timestamp_out_of_window',
        skewSeconds: -420,
        size: Buffer.byteLength(bodies.timestamp_out_of_window),
        appId,
      },
      { at: new Date(T0 + 1000).toISOString(), source: '198.51.100.2', reason: 'bad_signature', skewSeconds: null, size: Buffer.byteLength(bodies.bad_signature!), appId },
      { at: new Date(T0).toISOString(), source: '198.51.100.1', reason: 'missing_signature', skewSeconds: null, size: Buffer.byteLength(bodies.missing_signature!), appId },
    ]);
    expect(got.summary).toEqual({ missing_signature: 1, bad_signature: 1, timestamp_out_of_window: 1, legacy_scheme_not_allowed: 2, unknown_app: 0, payload_too_large: 1 });
    // No body, nor any part of one, is stored anywhere.
    expect(await everyRow(api.t)).not.toContain('7f3a');
    // Nothing was stored as an event either.
    expect(Number((await api.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events'))!.n)).toBe(0);
  });

  it('records a timestamp ahead of the clock with a positive skew, and a chunked body cut off while read', async () => {
    clock.advance(60_000);
    const ahead = String(nowSeconds() + 900);
    const b = body('ahead');
    expect((await post(appId, b, { 'x-purchasely-timestamp': ahead, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, ahead, b) })).statusCode).toBe(401);

    const big = Buffer.from(JSON.stringify({ event_id: 'evt-chunked', padding: 'y'.repeat(300 * 1024) }));
    async function* chunks() {
      for (let i = 0; i < big.length; i += 16 * 1024) yield big.subarray(i, i + 16 * 1024);
    }
    const res = await request(`${baseUrl}/webhooks/purchasely/${appId}`, { method: 'POST', body: Readable.from(chunks()), headers: { 'content-type': 'application/json' } });
    await res.body.dump();
    expect(res.statusCode).toBe(413);

    const since = new Date(clock.now()).toISOString();
    let got: List = { items: [], summary: {} };
    await waitFor(async () => (got = await list(`/api/v1/apps/${appId}/rejections?limit=2`)).items.length === 2 && got.items.every((i) => i.at >= since), 10_000, 'both refusals');
    expect(got.items[0]).toMatchObject({ reason: 'payload_too_large', source: '127.0.0.1', size: 256 * 1024 + 1, skewSeconds: null });
    expect(got.items[1]).toMatchObject({ reason: 'timestamp_out_of_window', skewSeconds: 900 });
  });

  it('lists requests to unknown app ids under /api/v1/rejections, the id as given (made storable), and not under any app', async () => {
    const before = (await list('/api/v1/rejections')).items.length;
    const payload = body('unknown-7f3a');
    expect((await post('no-such-app-1', payload, { 'x-purchasely-timestamp': '1', 'x-purchasely-request-signature': 'a'.repeat(64) }, '203.0.113.9')).statusCode).toBe(404);
    expect((await post('nul\u0000app', payload, {}, '203.0.113.10')).statusCode).toBe(404);
    const got = await listed('/api/v1/rejections', before + 2);
    expect(got.items.slice(0, 2)).toEqual([
      { at: new Date(clock.now()).toISOString(), source: '203.0.113.10', reason: 'unknown_app', skewSeconds: null, size: Buffer.byteLength(payload), appId: 'nul\ufffdapp' },
      { at: new Date(clock.now()).toISOString(), source: '203.0.113.9', reason: 'unknown_app', skewSeconds: null, size: Buffer.byteLength(payload), appId: 'no-such-app-1' },
    ]);
    expect(got.summary.unknown_app).toBeGreaterThanOrEqual(2);
    expect((await list(`/api/v1/apps/${appId}/rejections?limit=1000`)).items.some((i) => i.reason === 'unknown_app')).toBe(false);
    expect(await everyRow(api.t)).not.toContain('7f3a');
  });

  it('counts in the summary only the refusals of the last 24 hours', async () => {
    clock.advance(25 * 3_600_000);
    expect((await post(appId, body('recent'), {})).statusCode).toBe(401);
    await waitFor(async () => (await list(`/api/v1/apps/${appId}/rejections`)).items[0]?.at === new Date(clock.now()).toISOString(), 10_000, 'the new refusal');
    const got = await list(`/api/v1/apps/${appId}/rejections`);
    expect(got.summary).toEqual({ missing_signature: 1, bad_signature: 0, timestamp_out_of_window: 0, legacy_scheme_not_allowed: 0, unknown_app: 0, payload_too_large: 0 });
    expect(got.items.length).toBeGreaterThan(1);
  });

  it('requires the admin token or session, 404 for an unknown app, 422 for a bad limit', async () => {
    for (const url of [`/api/v1/apps/${appId}/rejections`, '/api/v1/rejections']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      const wrong = await api.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong-token-0000000000' } });
      expect(wrong.statusCode, url).toBe(401);
    }
    const login = await api.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token: AUTH.authorization.slice('Bearer '.length) } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/rejections', headers: { cookie } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/apps/no-such-app/rejections', headers: AUTH })).json().error.code).toBe('not_found');
    for (const limit of ['0', '1001', 'x']) {
      const res = await api.app.inject({ method: 'GET', url: `/api/v1/rejections?limit=${limit}`, headers: AUTH });
      expect(res.statusCode, limit).toBe(422);
    }
  });

  it('keeps at most the newest 1,000 per app and 1,000 for unknown apps after a flood of 3,000 each', async () => {
    clock.advance(60_000);
    // One after the other, so the order of the refusals is known.
    for (let i = 0; i < 3000; i++) {
      const source = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      expect((await post(appId, '{}', { 'x-purchasely-timestamp': String(nowSeconds()), 'x-purchasely-request-signature': 'b'.repeat(64) }, source)).statusCode).toBe(401);
      expect((await post(`flood-${i}`, '{}', {}, source)).statusCode).toBe(404);
    }
    const last = '10.0.11.183'; // i = 2999
    await waitFor(async () => (await list(`/api/v1/apps/${appId}/rejections?limit=1`)).items[0]?.source === last, 15_000, 'the flood recorded');
    await waitFor(async () => (await list('/api/v1/rejections?limit=1')).items[0]?.appId === 'flood-2999', 15_000, 'the unknown flood recorded');

    const count = async (bucket: string) => Number((await api.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_rejections WHERE bucket = ?', [bucket]))!.n);
    expect(await count(appId)).toBe(1000);
    expect(await count('')).toBe(1000);
    const kept = await list(`/api/v1/apps/${appId}/rejections?limit=1000`);
    expect(kept.items).toHaveLength(1000);
    // The newest are kept: the last 1,000 of the flood, newest first.
    expect(kept.items[999]!.source).toBe('10.0.7.208'); // i = 2000
    expect(kept.summary.bad_signature).toBe(1000);
    expect((await list('/api/v1/rejections?limit=1000')).items.map((i) => i.appId).slice(0, 2)).toEqual(['flood-2999', 'flood-2998']);
  });

  it('ignores X-Forwarded-For while PCBRIDGE_TRUST_PROXY is off: the source is the peer', async () => {
    clock.advance(60_000);
    expect((await post(appId, '{}', { 'x-forwarded-for': '192.0.2.50' }, '127.0.0.1')).statusCode).toBe(401);
    const at = new Date(clock.now()).toISOString();
    await waitFor(async () => (await list(`/api/v1/apps/${appId}/rejections?limit=1`)).items[0]?.at === at, 10_000, 'the refusal');
    expect((await list(`/api/v1/apps/${appId}/rejections?limit=1`)).items[0]!.source).toBe('127.0.0.1');
  });

  it('an app’s deletion deletes its refusals', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Short-lived', webhookSecret: SECRET } });
    const id = (created.json() as { id: string }).id;
    expect((await post(id, '{}', {})).statusCode).toBe(401);
    await listed(`/api/v1/apps/${id}/rejections`, 1);
    expect((await api.app.inject({ method: 'DELETE', url: `/api/v1/apps/${id}`, headers: AUTH })).statusCode).toBe(204);
    expect(Number((await api.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_rejections WHERE app_id = ?', [id]))!.n)).toBe(0);
  });
});

describe.each(DIALECTS)('refusals behind a trusted proxy (%s)', (dialect) => {
  const api = useTestApi(dialect, { env: { PCBRIDGE_TRUST_PROXY: 'loopback' } });

  it('takes the source from X-Forwarded-For when the peer is a trusted proxy, and the peer otherwise', async () => {
    const created = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Proxied', webhookSecret: SECRET } });
    const appId = (created.json() as { id: string }).id;
    const send = (remoteAddress: string) =>
      api.app.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${appId}`,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.50' },
        payload: '{}',
        remoteAddress,
      });
    expect((await send('127.0.0.1')).statusCode).toBe(401);
    expect((await send('198.51.100.99')).statusCode).toBe(401);
    let items: Item[] = [];
    await waitFor(
      async () => (items = ((await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/rejections`, headers: AUTH })).json() as List).items).length >= 2,
      10_000,
      'two refusals',
    );
    expect(items.map((i) => i.source).sort()).toEqual(['192.0.2.50', '198.51.100.99']);
  });
});

describe.each(DIALECTS)('the refusal recorder (%s)', (dialect) => {
  const api = useTestApi(dialect);

  const refusal = (i: number, appId = 'app_recorder') => ({
    appId,
    knownApp: true,
    source: `10.1.0.${i % 250}`,
    reason: 'bad_signature' as const,
    skewSeconds: null,
    size: i,
    at: 1_000_000 + i,
  });
  const rows = async (bucket: string) => Number((await api.t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_rejections WHERE bucket = ?', [bucket]))!.n);

  it('caps its queue: refusals beyond it are counted and dropped, never waited for', async () => {
    const recorder = createRejectionRecorder({ store: api.t.ctx.store, logger: api.t.ctx.logger, registry: api.t.ctx.metrics.registry, maxQueued: 10, flushIntervalMs: 60_000 });
    for (let i = 0; i < 15; i++) recorder.record(refusal(i, 'app_capped'));
    expect(recorder.stats()).toEqual({ queued: 10, dropped: 5 });
    await recorder.flush();
    expect(recorder.stats()).toEqual({ queued: 0, dropped: 5 });
    expect(await rows('app_capped')).toBe(10);
    const metrics = await api.t.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/pcbridge_webhook_refusals_dropped_total 5/);
    expect(metrics).toMatch(/pcbridge_webhook_refusals_total\{reason="bad_signature"\} 15/);
    await recorder.close();
  });

  it('two instances flushing into one bucket keep the bound: at most 1,000 rows, the newest', async () => {
    const second = openStore(api.t.ctx.config.database);
    try {
      const a = createRejectionRecorder({ store: api.t.ctx.store, logger: api.t.ctx.logger, flushIntervalMs: 60_000 });
      const b = createRejectionRecorder({ store: second, logger: api.t.ctx.logger, flushIntervalMs: 60_000 });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 800; i++) {
          const n = round * 1600 + i * 2;
          a.record(refusal(n, 'app_shared'));
          b.record(refusal(n + 1, 'app_shared'));
        }
        await Promise.all([a.flush(), b.flush()]);
        expect(await rows('app_shared')).toBeLessThanOrEqual(1000);
      }
      expect(await rows('app_shared')).toBe(1000);
      const sizes = await api.t.ctx.store.db.all<{ size: number }>("SELECT size FROM webhook_rejections WHERE bucket = 'app_shared' ORDER BY size");
      expect(Number(sizes[0]!.size)).toBe(4800 - 1000);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await second.close();
    }
  });

  it('writes only the newest 1,000 of a bucket from one flush', async () => {
    const recorder = createRejectionRecorder({ store: api.t.ctx.store, logger: api.t.ctx.logger, flushIntervalMs: 60_000 });
    for (let i = 0; i < 2500; i++) recorder.record(refusal(i, 'app_burst'));
    await recorder.close();
    expect(await rows('app_burst')).toBe(1000);
    const oldest = await api.t.ctx.store.db.get<{ size: number }>("SELECT MIN(size) AS size FROM webhook_rejections WHERE bucket = 'app_burst'");
    expect(Number(oldest!.size)).toBe(1500);
  });
});
