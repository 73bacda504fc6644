import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { openStore } from '../../src/store/store.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { insertBacklog } from './backlog.js';
import { allEnabledSettingsIn, createTestApp, processAll, storeSettings } from './helpers.js';

// Multi-node is PostgreSQL's job (SPEC §1). Two SQLite stores inside one process cannot be
// tested this way: better-sqlite3 blocks the thread while it waits for the other's write lock.
describe.each(['postgres'] as const)('several instances processing one store (%s)', (dialect) => {
  let t: TestContext;
  let second: AppContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    // A second instance: its own connections to the same database.
    second = { ...t.ctx, store: openStore(t.ctx.config.database), instanceId: `second:${randomBytes(3).toString('hex')}` };
  });
  afterEach(async () => {
    await second.store.close();
    await t.close();
  });

  it('two instances processing the same backlog at once write each event’s records exactly once, in seq order per user', async () => {
    const { appId } = await createTestApp(t.ctx);
    await storeSettings(t.ctx, appId, allEnabledSettingsIn());
    await insertBacklog(t.ctx, appId, 1500);

    await Promise.all([processAll(t.ctx, 100), processAll(second, 100)]);

    const perEvent = await t.ctx.store.db.all<{ n: number }>(`SELECT COUNT(r.id) AS n FROM events e LEFT JOIN records r ON r.event_seq = e.seq WHERE e.app_id = ? GROUP BY e.seq`, [
      appId,
    ]);
    expect(perEvent).toHaveLength(1500);
    expect(perEvent.every((row) => Number(row.n) === 2)).toBe(true);
    // Records were written in event order: ids grow with the events' seq.
    const order = await t.ctx.store.db.all<{ event_seq: number }>('SELECT event_seq FROM records WHERE app_id = ? ORDER BY id', [appId]);
    const seqs = order.map((r) => Number(r.event_seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });
});
