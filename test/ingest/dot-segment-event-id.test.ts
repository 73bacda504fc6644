/**
 * An event_id of "." or ".." cannot travel as a path segment: every URL parser resolves it, even
 * written %2E. Such an event is quarantined under a q_ id, so it can still be listed, read and
 * replayed by id (found by the large fuzz run: its detail was unreachable).
 */
import { describe, expect, it } from 'vitest';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture, signedHeaders, useHarness } from './helpers.js';

const SECRET = 'dot-secret';

describe.each(DIALECTS)('an event_id that is a dot segment (%s)', (dialect) => {
  const h = useHarness(dialect, { secret: SECRET });

  it.each(['.', '..'])('"%s" is acknowledged, quarantined under a q_ id and readable by that id', async (eventId) => {
    const body = JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId });
    const res = await h.post(h.appId, body, signedHeaders(SECRET, body));
    expect(res.status).toBe(200);

    const list = await h.app.inject({ method: 'GET', url: `/api/v1/apps/${h.appId}/events?status=quarantined`, headers: AUTH });
    const item = (list.json() as { items: { eventId: string; reason: string; payload?: unknown }[] }).items.find((i) => i.reason === 'invalid_event_id');
    expect(item?.eventId).toMatch(/^q_[0-9a-f]{32}$/);
    const detail = await h.app.inject({ method: 'GET', url: `/api/v1/apps/${h.appId}/events/${item!.eventId}`, headers: AUTH });
    expect(detail.statusCode).toBe(200);
    expect((detail.json() as { payload: { event_id: string } }).payload.event_id).toBe(eventId);
    // Cleared for the next case.
    await h.t.ctx.store.db.run('DELETE FROM events WHERE event_id = ?', [item!.eventId]);
  });
});
