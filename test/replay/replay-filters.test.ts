/**
 * Bulk replay from any filter of the event log (issue 17): user, environment and event ids
 * narrow `POST …/replay`, and `"countOnly": true` says how many would be requeued, changing nothing.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);

describe.each(DIALECTS)('bulk replay filters on %s', (dialect) => {
  const api = useTestApi(dialect);

  async function newAppWithEvents(): Promise<string> {
    const appId = (await createApp(api.t.ctx, { name: 'Filters', webhookSecret: 'shared-secret' })).id;
    const events: [string, string, string | null, string | null, string][] = [
      // event id, status, user_id, anonymous_user_id, environment
      ['f-alice-sandbox', 'failed', 'alice', null, 'SANDBOX'],
      ['f-alice-prod', 'failed', 'alice', null, 'PRODUCTION'],
      ['f-anon-sandbox', 'failed', null, 'anon-1', 'SANDBOX'],
      ['s-bob-prod', 'skipped', 'bob', null, 'PRODUCTION'],
      ['d-alice-prod', 'delivered', 'alice', null, 'PRODUCTION'],
      ['h-alice-prod', 'held', 'alice', null, 'PRODUCTION'],
    ];
    for (const [eventId, status, userId, anonymousUserId, environment] of events) {
      await api.t.ctx.store.db.run(
        `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, raw_body)
         VALUES (?, ?, 'ACTIVATE', ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
        [appId, eventId, userId ?? anonymousUserId, userId, anonymousUserId, environment, T0, T0 - 1000, status, Buffer.from('{}')],
      );
    }
    return appId;
  }

  const replay = async (appId: string, payload: object) => {
    const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/replay`, headers: AUTH, payload });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { requeued?: number; count?: number };
  };
  const statusOf = async (appId: string, eventId: string) =>
    (await api.t.ctx.store.db.get<{ status: string }>('SELECT status FROM events WHERE app_id = ? AND event_id = ?', [appId, eventId]))?.status;

  it('counts what a replay would requeue without requeuing anything', async () => {
    const appId = await newAppWithEvents();
    expect(await replay(appId, { countOnly: true })).toEqual({ count: 3 });
    expect(await replay(appId, { countOnly: true, status: ['failed', 'skipped'] })).toEqual({ count: 4 });
    // Delivered and held need force: without it they are not counted, as they would not be requeued.
    expect(await replay(appId, { countOnly: true, status: ['delivered', 'held'] })).toEqual({ count: 0 });
    expect(await replay(appId, { countOnly: true, status: ['delivered', 'held'], force: true })).toEqual({ count: 2 });
    expect(await statusOf(appId, 'f-alice-sandbox')).toBe('failed');
    expect(await statusOf(appId, 'd-alice-prod')).toBe('delivered');
  });

  it('narrows by user (user_id or anonymous_user_id) and environment, and the count matches the replay', async () => {
    const appId = await newAppWithEvents();
    expect(await replay(appId, { countOnly: true, userKey: 'alice' })).toEqual({ count: 2 });
    expect(await replay(appId, { countOnly: true, userKey: 'anon-1' })).toEqual({ count: 1 });
    expect(await replay(appId, { countOnly: true, userKey: 'alice', environment: 'PRODUCTION' })).toEqual({ count: 1 });
    expect(await replay(appId, { userKey: 'alice', environment: 'PRODUCTION' })).toEqual({ requeued: 1 });
    expect(await statusOf(appId, 'f-alice-prod')).toBe('received');
    expect(await statusOf(appId, 'f-alice-sandbox')).toBe('failed');
    expect(await statusOf(appId, 'f-anon-sandbox')).toBe('failed');
  });

  it('replays only the event ids given', async () => {
    const appId = await newAppWithEvents();
    expect(await replay(appId, { countOnly: true, eventIds: ['f-anon-sandbox', 's-bob-prod'], status: ['failed', 'skipped'] })).toEqual({ count: 2 });
    expect(await replay(appId, { eventIds: ['f-anon-sandbox', 's-bob-prod', 'not-stored'], status: ['failed', 'skipped'] })).toEqual({ requeued: 2 });
    expect(await statusOf(appId, 'f-anon-sandbox')).toBe('received');
    expect(await statusOf(appId, 's-bob-prod')).toBe('received');
    expect(await statusOf(appId, 'f-alice-prod')).toBe('failed');
  });

  it('refuses an empty event id list and unknown fields', async () => {
    const appId = await newAppWithEvents();
    for (const payload of [{ eventIds: [] }, { userKey: '' }, { countOnly: 'yes' }, { user: 'alice' }]) {
      const res = await api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/replay`, headers: AUTH, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
    }
  });
});
