/**
 * Issue 15, "isolation as a principle": whatever a signed webhook carries, once it is
 * acknowledged it can be stored, processed and shown on both stores, and it never holds up the
 * events behind it. NUL and lone surrogates, dates no API can serialise, and nesting 10,000
 * levels deep are each sent through the real route, processed, and read back through the API.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { processBatch } from '../../src/processing/process-batch.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, readRecords, storeSettings, type StoredRecord } from '../processing/helpers.js';
import { loadFixture, storedEvents } from './helpers.js';

const SECRET = 'poison-secret';
const REPLACEMENT = '\ufffd';

describe.each(DIALECTS)('events no store or API can take as they come, on %s', (dialect) => {
  const api = useTestApi(dialect);
  let appId: string;
  let otherAppId: string;

  async function createApp(name: string): Promise<string> {
    const res = await api.app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name, webhookSecret: SECRET } });
    expect(res.statusCode, res.body).toBe(201);
    const id = (res.json() as { id: string }).id;
    await storeSettings(api.t.ctx, id, allEnabledSettingsIn({ sandbox: 'same_account' }));
    return id;
  }

  async function send(app: string, body: string): Promise<{ status: number; json: unknown }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await api.app.inject({
      method: 'POST',
      url: `/webhooks/purchasely/${app}`,
      headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body) },
      payload: body,
    });
    return { status: res.statusCode, json: res.json() as unknown };
  }

  async function processEverything(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const result = await processBatch(api.t.ctx, { limit: 500 });
      if (result.processed === 0 && !result.busy) return;
    }
    throw new Error('processing did not finish');
  }

  async function detail(app: string, eventId: string) {
    return api.app.inject({ method: 'GET', url: `/api/v1/apps/${app}/events/${encodeURIComponent(eventId)}`, headers: AUTH });
  }

  async function eventRow(app: string, eventId: string) {
    const row = (await storedEvents(api.t, app)).find((r) => r.event_id === eventId);
    if (!row) throw new Error(`no event ${JSON.stringify(eventId)}`);
    return row;
  }

  function recordsOf(records: StoredRecord[], eventId: string, kind: string): StoredRecord[] {
    return records.filter((r) => r.eventId === eventId && r.kind === kind);
  }

  beforeAll(async () => {
    appId = await createApp('Poison');
    otherAppId = await createApp('Bystander');
  });

  describe('NUL and lone surrogates', () => {
    const events = {
      nulUser: { ...loadFixture('ACTIVATE'), event_id: 'evt-nul-user', user_id: 'a\u0000b', product: 'plus\u0000', extra: { 'k\u0000ey': 'v\u0000', list: ['x\u0000'] } },
      nulId: { ...loadFixture('ACTIVATE'), event_id: 'evt-nul\u0000id', user_id: 'nul-id-user' },
      nulName: { ...loadFixture('ACTIVATE'), event_id: 'evt-nul-name', event_name: 'ACTI\u0000VATE', user_id: 'nul-name-user' },
      surrogates: { ...loadFixture('ACTIVATE'), event_id: 'evt-lone\ud800', user_id: '\udc00lone', plan: 'x\ud800y', 'key\udfff': 'z' },
      nulSubscription: {
        ...loadFixture('ACTIVATE'),
        event_id: 'evt-nul-subscription',
        user_id: 'nul-sub-user',
        purchasely_subscription_id: 'subs\u0000x',
        environment: 'PRODUCTION',
      },
    };
    const later = { ...loadFixture('ACTIVATE'), event_id: 'evt-after-the-poison', user_id: 'bystander' };

    beforeAll(async () => {
      for (const payload of Object.values(events)) {
        const res = await send(appId, JSON.stringify(payload));
        expect(res.status).toBe(200);
        expect(res.json).toEqual({ status: 'stored' });
      }
      expect((await send(otherAppId, JSON.stringify(later))).json).toEqual({ status: 'stored' });
      await processEverything();
    });

    it('stores each text with U+FFFD in place of NUL and of a lone surrogate, in the columns', async () => {
      expect(await eventRow(appId, 'evt-nul-user')).toMatchObject({ user_id: `a${REPLACEMENT}b`, user_key: `a${REPLACEMENT}b` });
      expect(await eventRow(appId, `evt-nul${REPLACEMENT}id`)).toMatchObject({ user_id: 'nul-id-user' });
      expect(await eventRow(appId, 'evt-nul-name')).toMatchObject({ event_name: `ACTI${REPLACEMENT}VATE` });
      expect(await eventRow(appId, `evt-lone${REPLACEMENT}`)).toMatchObject({ user_id: `${REPLACEMENT}lone` });
    });

    it('processes every one of them and every event after them, of every app', async () => {
      const rows = await storedEvents(api.t, appId);
      expect(rows.map((r) => [r.event_id, r.status, r.reason])).toEqual([
        ['evt-nul-user', 'pending', null],
        [`evt-nul${REPLACEMENT}id`, 'pending', null],
        // An unknown event name feeds the state and the profile like any other event.
        ['evt-nul-name', 'pending', null],
        [`evt-lone${REPLACEMENT}`, 'pending', null],
        ['evt-nul-subscription', 'pending', null],
      ]);
      expect(await eventRow(otherAppId, 'evt-after-the-poison')).toMatchObject({ status: 'pending', reason: null });
    });

    it('sends the normalised texts to CleverTap: values, keys and nested strings', async () => {
      const records = await readRecords(api.t.ctx, appId);
      const [nulUser] = recordsOf(records, 'evt-nul-user', 'event');
      expect(nulUser).toMatchObject({ userId: `a${REPLACEMENT}b`, userKey: `a${REPLACEMENT}b` });
      expect(nulUser!.body).toMatchObject({
        evtData: { user_id: `a${REPLACEMENT}b`, product: `plus${REPLACEMENT}`, [`extra_k${REPLACEMENT}ey`]: `v${REPLACEMENT}`, extra_list_0: `x${REPLACEMENT}` },
      });
      const [lone] = recordsOf(records, `evt-lone${REPLACEMENT}`, 'event');
      expect(lone!.body).toMatchObject({ evtData: { event_id: `evt-lone${REPLACEMENT}`, user_id: `${REPLACEMENT}lone`, plan: `x${REPLACEMENT}y`, [`key${REPLACEMENT}`]: 'z' } });
      expect(JSON.stringify(records.map((r) => r.body))).not.toMatch(/\\u0000|\\ud[89a-f]/i);
    });

    it('shows the raw payload as received, NUL and all', async () => {
      const res = await detail(appId, 'evt-nul-user');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ eventId: 'evt-nul-user', userId: `a${REPLACEMENT}b`, payload: { user_id: 'a\u0000b' } });
      expect((await detail(appId, `evt-nul${REPLACEMENT}id`)).statusCode).toBe(200);
      const list = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events`, headers: AUTH });
      expect(list.statusCode, list.body).toBe(200);
    });

    it('recognises a retry of an event whose event_id holds a NUL', async () => {
      expect((await send(appId, JSON.stringify(events.nulId))).json).toEqual({ status: 'duplicate' });
    });
  });

  it('answers 404 unknown_app with the SPEC error shape for an app id holding a NUL', async () => {
    const body = JSON.stringify(loadFixture('ACTIVATE'));
    for (const id of ['%00', 'app%00x', '%EF%BF%BD']) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await api.app.inject({
        method: 'POST',
        url: `/webhooks/purchasely/${id}`,
        headers: { 'content-type': 'application/json', 'x-purchasely-timestamp': timestamp, 'x-purchasely-request-signature': signPurchaselyRequest(SECRET, timestamp, body) },
        payload: body,
      });
      expect(res.statusCode, `${id}: ${res.body}`).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'unknown_app', message: expect.any(String) } });
    }
  });

  describe('dates out of range', () => {
    const YEAR_10000 = Date.UTC(10000, 0, 1);

    it('quarantines an event created beyond year 9999 or before year 0 at ingest, with a clear reason', async () => {
      const cases = [
        ['evt-year-10000', YEAR_10000],
        ['evt-year-minus-1', new Date('0000-01-01T00:00:00Z').getTime() - 1],
        ['evt-past-date-range', 8.64e15 + 1],
        ['evt-1e300', 1e300],
      ] as const;
      for (const [eventId, ms] of cases) {
        const res = await send(appId, JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId, event_created_at_ms: ms }));
        expect(res).toEqual({ status: 200, json: { status: 'quarantined' } });
        expect(await eventRow(appId, eventId)).toMatchObject({ status: 'quarantined', reason: 'event_created_at_out_of_range', event_created_at: null });
        const shown = await detail(appId, eventId);
        expect(shown.statusCode, shown.body).toBe(200);
        expect(shown.json()).toMatchObject({ eventCreatedAt: null, reason: 'event_created_at_out_of_range', payload: { event_id: eventId } });
      }
    });

    it('keeps year 9999 and year 0 themselves', async () => {
      for (const [eventId, ms] of [
        ['evt-year-9999', Date.UTC(9999, 11, 31, 23, 59, 59, 999)],
        ['evt-year-0', new Date('0000-01-01T00:00:00Z').getTime()],
      ] as const) {
        expect((await send(appId, JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId, user_id: eventId, event_created_at_ms: ms }))).json).toEqual({
          status: 'stored',
        });
      }
      await processEverything();
      const shown = await detail(appId, 'evt-year-9999');
      expect(shown.statusCode, shown.body).toBe(200);
      expect(shown.json()).toMatchObject({ eventCreatedAt: '9999-12-31T23:59:59.999Z', status: 'pending' });
      expect((await detail(appId, 'evt-year-0')).json()).toMatchObject({ eventCreatedAt: '0000-01-01T00:00:00.000Z' });
    });

    it('lists and shows events stored earlier with such a date (the date shows as null)', async () => {
      const app = await createApp('Stored long ago');
      for (const [eventId, ms] of [
        ['evt-stored-10000', YEAR_10000],
        ['evt-stored-9e15', 9e15],
        ['evt-stored-minus', -9e15],
      ] as const) {
        await api.t.ctx.store.db.run(
          `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, duplicates, raw_body)
           VALUES (?, ?, 'ACTIVATE', 'u', 'u', NULL, 'SANDBOX', ?, ?, 'skipped', 'integration_disabled', 0, ?)`,
          [app, eventId, Date.now(), ms, Buffer.from(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId, event_created_at_ms: ms }))],
        );
        const shown = await detail(app, eventId);
        expect(shown.statusCode, shown.body).toBe(200);
        expect(shown.json()).toMatchObject({ eventId, eventCreatedAt: null });
      }
      const list = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${app}/events?limit=1`, headers: AUTH });
      expect(list.statusCode, list.body).toBe(200);
      const next = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${app}/events?limit=5&cursor=${(list.json() as { nextCursor: string }).nextCursor}`, headers: AUTH });
      expect(next.statusCode, next.body).toBe(200);
      expect((next.json() as { items: unknown[] }).items).toHaveLength(2);
    });

    it('leaves any other out-of-range date out of the records, with a note on the event', async () => {
      const payload = {
        ...loadFixture('ACTIVATE'),
        event_id: 'evt-wild-dates',
        user_id: 'wild-dates',
        environment: 'PRODUCTION',
        purchased_at_ms: 1e20,
        defer_end_at_ms: -1e300,
        next_renewal_at: 'soon',
        next_renewal_at_ms: 9e15,
      };
      expect((await send(appId, JSON.stringify(payload))).json).toEqual({ status: 'stored' });
      await processEverything();
      const records = await readRecords(api.t.ctx, appId);
      const [event] = recordsOf(records, 'evt-wild-dates', 'event');
      const evtData = (event!.body as { evtData: Record<string, unknown> }).evtData;
      // The RFC 3339 text is still a date; the number that contradicts it is left out.
      expect(evtData['purchased_at']).toBe(`$D_${Math.floor(Date.parse('2023-12-12T14:13:11.777Z') / 1000)}`);
      expect(evtData).not.toHaveProperty('defer_end_at_ms');
      expect(evtData).not.toHaveProperty('next_renewal_at_ms');
      expect(evtData['next_renewal_at']).toBe('soon');
      const [profile] = recordsOf(records, 'evt-wild-dates', 'profile');
      const profileData = (profile!.body as { profileData: Record<string, unknown> }).profileData;
      expect(profileData['purchased_at']).toBe(`$D_${Math.floor(Date.parse('2023-12-12T14:13:11.777Z') / 1000)}`);
      expect(JSON.stringify(profileData)).not.toMatch(/\$D_\d{15}|\$D_-|e\+/);
      const shown = await detail(appId, 'evt-wild-dates');
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toMatchObject({ status: 'pending', note: expect.any(String) });
      const note = (shown.json() as { note: string }).note;
      for (const name of ['purchased_at_ms', 'defer_end_at_ms', 'next_renewal_at_ms']) expect(note).toContain(name);
    });
  });

  describe('nesting 10,000 levels deep', () => {
    beforeAll(async () => {
      // Written as text: JSON.stringify itself overflows the stack on such a value.
      const head = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: 'evt-deep', user_id: 'deep-user', shallow: { a: { b: 'kept' } } }).slice(0, -1);
      const deep = '{"a":'.repeat(10_000) + '"bottom"' + '}'.repeat(10_000);
      const deepList = '['.repeat(10_000) + '1' + ']'.repeat(10_000);
      const body = `${head},"deep":${deep},"deep_list":${deepList}}`;
      expect((await send(appId, body)).json).toEqual({ status: 'stored' });
      await processEverything();
    });

    it('processes the event normally and sends what can be flattened', async () => {
      expect(await eventRow(appId, 'evt-deep')).toMatchObject({ status: 'pending', reason: null });
      const [event] = recordsOf(await readRecords(api.t.ctx, appId), 'evt-deep', 'event');
      const evtData = (event!.body as { evtData: Record<string, unknown> }).evtData;
      expect(evtData).toMatchObject({ event_id: 'evt-deep', product: 'PURCHASELY_PLUS', shallow_a_b: 'kept' });
      expect(Object.keys(evtData).some((k) => k.startsWith('deep'))).toBe(false);
    });

    it('answers the event detail with 200', async () => {
      const res = await detail(appId, 'evt-deep');
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      expect(res.json()).toMatchObject({ eventId: 'evt-deep', status: 'pending', note: expect.stringContaining('deep') });
    });
  });
});
