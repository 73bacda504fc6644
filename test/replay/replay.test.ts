import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { replayEvents } from '../../src/replay/index.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const activateBody = readFileSync(`${PURCHASELY_FIXTURE_DIR}/ACTIVATE.json`);
const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

interface StoredEvent {
  event_id: string;
  event_name: string | null;
  user_key: string | null;
  user_id: string | null;
  anonymous_user_id: string | null;
  environment: string | null;
  event_created_at: number | null;
  status: string;
  reason: string | null;
  duplicates: number;
}

describe.each(DIALECTS)('replay on %s', (dialect) => {
  const api = useTestApi(dialect);

  const newApp = async () => (await createApp(api.t.ctx, { name: 'Replay', webhookSecret: 'shared-secret' })).id;

  /** Stores an event in a given state, as ingest + processing + delivery would have left it. */
  async function storeEvent(
    appId: string,
    e: { eventId: string; status: string; reason?: string | null; eventName?: string | null; receivedAt?: number; raw?: Buffer | string | null },
  ): Promise<number> {
    const quarantined = e.status === 'quarantined';
    await api.t.ctx.store.db.run(
      `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, raw_body)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      [
        appId,
        e.eventId,
        quarantined ? null : (e.eventName ?? 'ACTIVATE'),
        quarantined ? null : 'toto',
        quarantined ? null : 'toto',
        quarantined ? null : 'SANDBOX',
        e.receivedAt ?? T0,
        quarantined ? null : T0 - 1000,
        e.status,
        e.reason ?? null,
        e.raw === undefined ? Buffer.from('{}') : e.raw === null ? null : Buffer.from(e.raw),
      ],
    );
    const row = await api.t.ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [appId, e.eventId]);
    return Number(row!.seq);
  }

  const eventRow = (appId: string, eventId: string) =>
    api.t.ctx.store.db.get<StoredEvent>(
      'SELECT event_id, event_name, user_key, user_id, anonymous_user_id, environment, event_created_at, status, reason, duplicates FROM events WHERE app_id = ? AND event_id = ?',
      [appId, eventId],
    );

  const replayOne = (appId: string, eventId: string, query = '') =>
    api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/events/${eventId}/replay${query}`, headers: AUTH });
  const replayBulk = (appId: string, payload?: object) => api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/replay`, headers: AUTH, ...(payload ? { payload } : {}) });

  it('requeues a failed event: status back to received, reason cleared, its old records kept', async () => {
    const appId = await newApp();
    const seq = await storeEvent(appId, { eventId: 'evt-failed', status: 'failed' });
    await api.t.ctx.store.db.run(
      `INSERT INTO records (app_id, event_seq, event_id, user_key, target, kind, body_json, state, created_at, updated_at, generation)
       VALUES (?, ?, 'evt-failed', 'toto', 'main', 'event', '{}', 'failed', ?, ?, 0)`,
      [appId, seq, T0, T0],
    );
    const res = await replayOne(appId, 'evt-failed');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ requeued: 1 });
    expect(await eventRow(appId, 'evt-failed')).toMatchObject({ status: 'received', reason: null });
    const records = await api.t.ctx.store.db.all<{ state: string; generation: number }>('SELECT state, generation FROM records WHERE event_seq = ?', [seq]);
    expect(records).toEqual([{ state: 'failed', generation: 0 }]);
  });

  it('refuses to replay a delivered event without force (409 conflict) and accepts it with force', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: 'evt-delivered', status: 'delivered' });
    const refused = await replayOne(appId, 'evt-delivered');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('conflict');
    expect(refused.json().error.message).toMatch(/force/);
    expect((await eventRow(appId, 'evt-delivered'))!.status).toBe('delivered');

    const forced = await replayOne(appId, 'evt-delivered', '?force=true');
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toEqual({ requeued: 1 });
    expect((await eventRow(appId, 'evt-delivered'))!.status).toBe('received');
  });

  it('answers requeued 0 for an event that is already waiting for processing', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: 'evt-received', status: 'received' });
    const res = await replayOne(appId, 'evt-received');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ requeued: 0 });
  });

  it('answers 404 for an unknown event or app', async () => {
    const appId = await newApp();
    const noEvent = await replayOne(appId, 'evt-missing');
    expect(noEvent.statusCode).toBe(404);
    expect(noEvent.json().error.code).toBe('not_found');
    expect((await replayOne('app_missing', 'evt-missing')).statusCode).toBe(404);
    expect((await replayBulk('app_missing')).statusCode).toBe(404);
  });

  it('requeues a quarantined event whose payload parses now, filling its columns and its real event_id', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: 'q_old_bug', status: 'quarantined', reason: 'missing_event_created_at', raw: activateBody });
    const res = await replayOne(appId, 'q_old_bug');
    expect(res.json()).toEqual({ requeued: 1 });
    expect(await eventRow(appId, 'q_old_bug')).toBeUndefined();
    expect(await eventRow(appId, '5e45109f-7fac-45f8-a7e4-464892d5d35d')).toMatchObject({
      event_name: 'ACTIVATE',
      user_key: 'toto',
      user_id: 'toto',
      anonymous_user_id: null,
      environment: 'SANDBOX',
      event_created_at: 1702390766120,
      status: 'received',
      reason: null,
    });
  });

  it('keeps an unusable quarantined payload quarantined with its current reason and answers 422', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: 'q_bad', status: 'quarantined', reason: 'something_older', raw: '{"event_id": 42' });
    const res = await replayOne(appId, 'q_bad');
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details).toEqual([{ path: '/rawBody', message: 'invalid_json' }]);
    expect(await eventRow(appId, 'q_bad')).toMatchObject({ status: 'quarantined', reason: 'invalid_json' });
  });

  it('counts a quarantined payload that repeats a stored event as a duplicate of it, once', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: '5e45109f-7fac-45f8-a7e4-464892d5d35d', status: 'delivered' });
    await storeEvent(appId, { eventId: 'q_copy', status: 'quarantined', reason: 'invalid_json', raw: activateBody });
    const res = await replayOne(appId, 'q_copy');
    expect(res.statusCode).toBe(409);
    expect(await eventRow(appId, 'q_copy')).toMatchObject({ status: 'quarantined', reason: 'duplicate' });
    expect((await eventRow(appId, '5e45109f-7fac-45f8-a7e4-464892d5d35d'))!.duplicates).toBe(1);
    await replayOne(appId, 'q_copy');
    expect((await eventRow(appId, '5e45109f-7fac-45f8-a7e4-464892d5d35d'))!.duplicates).toBe(1);
  });

  describe('bulk replay', () => {
    let appId: string;
    beforeAll(async () => {
      appId = await newApp();
      const hour = 3_600_000;
      await storeEvent(appId, { eventId: 'f1', status: 'failed', eventName: 'ACTIVATE', receivedAt: T0 });
      await storeEvent(appId, { eventId: 'f2', status: 'failed', eventName: 'ACTIVATE', receivedAt: T0 + hour });
      await storeEvent(appId, { eventId: 'f3', status: 'failed', eventName: 'TRANSACTION_PROCESSED', receivedAt: T0 + 2 * hour });
      await storeEvent(appId, { eventId: 'd1', status: 'delivered', receivedAt: T0 });
      await storeEvent(appId, { eventId: 'd2', status: 'delivered', receivedAt: T0 + hour });
      await storeEvent(appId, { eventId: 's1', status: 'skipped', reason: 'integration_disabled', receivedAt: T0 });
      await storeEvent(appId, { eventId: 'r1', status: 'received', receivedAt: T0 });
      await storeEvent(appId, { eventId: 'q1', status: 'quarantined', reason: 'invalid_json', raw: 'still not json', receivedAt: T0 });
    });

    const statusOf = async (eventId: string) => (await eventRow(appId, eventId))!.status;

    it('filters by event name and received time and counts what it requeued', async () => {
      const byName = await replayBulk(appId, { eventNames: ['TRANSACTION_PROCESSED'] });
      expect(byName.json()).toEqual({ requeued: 1 });
      expect(await statusOf('f3')).toBe('received');

      const byTime = await replayBulk(appId, { from: new Date(T0 + 30 * 60_000).toISOString(), to: new Date(T0 + 90 * 60_000).toISOString() });
      expect(byTime.json()).toEqual({ requeued: 1 });
      expect(await statusOf('f2')).toBe('received');
      expect(await statusOf('f1')).toBe('failed');

      const rest = await replayBulk(appId);
      expect(rest.json()).toEqual({ requeued: 1 });
      expect(await statusOf('f1')).toBe('received');
      expect((await replayBulk(appId)).json()).toEqual({ requeued: 0 });
    });

    it('needs force for delivered events, pages through the matches, and skips what cannot be requeued', async () => {
      expect((await replayBulk(appId, { status: ['delivered'] })).json()).toEqual({ requeued: 0 });
      const result = await replayEvents(api.t.ctx, appId, { status: ['delivered', 'skipped', 'quarantined', 'received'], force: true }, { batchSize: 1 });
      // d1, d2, s1; q1 still does not parse, r1 is already queued.
      expect(result).toEqual({ requeued: 3 });
      expect(await statusOf('d1')).toBe('received');
      expect(await statusOf('d2')).toBe('received');
      expect(await statusOf('s1')).toBe('received');
      expect(await statusOf('q1')).toBe('quarantined');
    });

    it('rejects an unknown status or a malformed time with 422 listing each problem', async () => {
      const res = await replayBulk(appId, { status: ['failed', 'exploded'], from: 'yesterday' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('validation_failed');
      const paths = (res.json().error.details as { path: string }[]).map((d) => d.path);
      expect(paths.some((p) => p.startsWith('/status'))).toBe(true);
      expect(paths.some((p) => p.startsWith('/from'))).toBe(true);
    });
  });

  it('runs as a command on the database: prints requeued N, refuses without force (exit 1), wrong arguments exit 2', async () => {
    const appId = await newApp();
    await storeEvent(appId, { eventId: 'c1', status: 'failed' });
    await storeEvent(appId, { eventId: 'c2', status: 'failed' });
    await storeEvent(appId, { eventId: 'c3', status: 'delivered' });

    const bulk = await runCli(['replay', '--app', appId, '--status', 'failed'], api.t.env);
    expect(bulk.stderr).toBe('');
    expect(bulk.code).toBe(0);
    expect(bulk.stdout.trim()).toBe('requeued 2');

    const refused = await runCli(['replay', '--app', appId, '--event', 'c3'], api.t.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/force/);

    const forced = await runCli(['replay', '--app', appId, '--event', 'c3', '--force'], api.t.env);
    expect(forced.stdout.trim()).toBe('requeued 1');
    expect((await eventRow(appId, 'c3'))!.status).toBe('received');

    const badDate = await runCli(['replay', '--app', appId, '--from', 'last tuesday'], api.t.env);
    expect(badDate.code).toBe(2);
    const badStatus = await runCli(['replay', '--app', appId, '--status', 'exploded'], api.t.env);
    expect(badStatus.code).toBe(2);
    const noApp = await runCli(['replay', '--app', 'app_missing'], api.t.env);
    expect(noApp.code).toBe(2);
    expect(noApp.stderr.trim().split('\n')).toHaveLength(1);
  }, 90_000);
});
