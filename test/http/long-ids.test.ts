/**
 * Ids as long as ingest accepts them (event_id and user keys up to 256 characters, any
 * characters a URL can carry) can be managed through every route that names them: detail,
 * replay, attributes (admin and SDK key), held records, erasure. Longer ones are refused in the
 * SPEC's error shape, never with Fastify's own body.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';
import { createTestApp } from '../processing/helpers.js';

const SECRET = 'foobar';
const FIXTURE = JSON.parse(readFileSync(join(PURCHASELY_FIXTURE_DIR, 'SUBSCRIPTION_STARTED.json'), 'utf8')) as Record<string, unknown>;

/** `length` characters (UTF-16 code units, as ingest counts them), mixing ASCII, accents, CJK and URL-special characters. */
function longId(prefix: string, length: number): string {
  const alphabet = ['a', 'Z', '9', '-', '_', '.', 'é', 'ß', '漢', '/', '?', '#', '%', '+', ' ', '~', ':', '@'];
  let id = prefix;
  for (let i = 0; id.length < length; i += 1) id += alphabet[i % alphabet.length];
  return id.slice(0, length);
}

describe.each(DIALECTS)('ids of up to 256 characters through every route (%s)', (dialect) => {
  const api = useTestApi(dialect);
  let appId = '';
  let sdkKey = '';
  const eventId = longId('evt-', 256);
  const userId = longId('usr-', 256);
  const enc = encodeURIComponent;
  const userUrl = (key: string) => `/api/v1/apps/${appId}/users/${enc(key)}`;

  beforeAll(async () => {
    ({ appId, sdkKey } = await createTestApp(api.t.ctx));
    const body = JSON.stringify({ ...FIXTURE, event_id: eventId, user_id: userId });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await api.app.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${appId}`,
      headers: {
        'content-type': 'application/json',
        'x-purchasely-timestamp': timestamp,
        'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body),
      },
      payload: body,
    });
    expect(res.json()).toEqual({ status: 'stored' });
  });

  it('ingest stored the 256-character ids as they came', async () => {
    const list = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events`, headers: AUTH });
    expect(list.json().items.map((e: { eventId: string; userId: string }) => [e.eventId, e.userId])).toEqual([[eventId, userId]]);
  });

  it('shows the event in detail and replays it', async () => {
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${enc(eventId)}`, headers: AUTH });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json().eventId).toBe(eventId);
    const replay = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/events/${enc(eventId)}/replay?force=true`, headers: AUTH });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toHaveProperty('requeued');
  });

  it("sets, reads and forgets the user's CleverTap ID, with the admin token and with the SDK key", async () => {
    const put = await api.app.inject({ method: 'PUT', url: `${userUrl(userId)}/attributes`, headers: AUTH, payload: { clevertap_id: '__long1' } });
    expect(put.statusCode, put.body).toBe(200);
    const bySdk = await api.app.inject({ method: 'PUT', url: `${userUrl(userId)}/attributes`, headers: { 'x-api-key': sdkKey }, payload: { clevertap_id: '__long2' } });
    expect(bySdk.statusCode, bySdk.body).toBe(200);
    const get = await api.app.inject({ method: 'GET', url: `${userUrl(userId)}/attributes`, headers: AUTH });
    expect(get.statusCode, get.body).toBe(200);
    expect(get.json()).toEqual({ clevertap_id: '__long2' });
    const held = await api.app.inject({ method: 'GET', url: `${userUrl(userId)}/held-records`, headers: AUTH });
    expect(held.statusCode, held.body).toBe(200);
    const del = await api.app.inject({ method: 'DELETE', url: `${userUrl(userId)}/attributes`, headers: AUTH });
    expect(del.statusCode, del.body).toBe(204);
  });

  it('erases the user (privacy request)', async () => {
    const erase = await api.app.inject({ method: 'DELETE', url: userUrl(userId), headers: AUTH });
    expect(erase.statusCode, erase.body).toBe(204);
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${enc(eventId)}`, headers: AUTH });
    expect(detail.json().userId).toBeNull();
  });

  it('refuses a 257-character id with validation_failed naming the parameter', async () => {
    const tooLong = longId('x', 257);
    for (const [method, url] of [
      ['GET', `/api/v1/apps/${appId}/events/${enc(tooLong)}`],
      ['POST', `/api/v1/apps/${appId}/events/${enc(tooLong)}/replay`],
      ['GET', `${userUrl(tooLong)}/attributes`],
      ['DELETE', userUrl(tooLong)],
    ] as const) {
      const res = await api.app.inject({ method, url, headers: AUTH });
      expect(res.statusCode, `${method} ${url}`).toBe(422);
      expect(res.json().error.code).toBe('validation_failed');
      expect(res.json().error.details[0].path).toMatch(/^\/params\/(eventId|userKey)$/);
    }
  });

  it('answers a path segment far beyond any id in the SPEC error shape', async () => {
    // The router gives up on such a segment; a GET then falls to the dashboard's catch-all (404),
    // other methods get the router's 414.
    const replay = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/events/${'x'.repeat(5000)}/replay`, headers: AUTH });
    expect(replay.statusCode).toBe(414);
    expect(replay.json()).toEqual({ error: { code: 'uri_too_long', message: expect.any(String) } });
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${'x'.repeat(5000)}`, headers: AUTH });
    expect(detail.statusCode).toBe(404);
    expect(detail.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });
});
