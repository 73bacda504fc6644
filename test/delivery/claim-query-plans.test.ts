import { afterEach, describe, expect, it } from 'vitest';
import { PG_OPEN_RECORD_IDS_SQL, PG_RECORD_STATES_SQL } from '../../src/store/repos/delivery-repo.js';
import type { SqlValue } from '../../src/store/db.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { createAppWithIntegration, insertRecords, recordsForUsers } from './helpers.js';

/**
 * The claim's and the bookkeeping's lookups by user and by event on PostgreSQL: one index lookup
 * per key, on an outbox the planner has no statistics for yet (filled faster than autovacuum
 * analyzes it) as well as after ANALYZE.
 */
describe('the delivery lookups by key on PostgreSQL', () => {
  let t: TestContext | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  const plan = async (sql: string, params: SqlValue[]): Promise<string> =>
    (await t!.ctx.store.db.all<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).map((row) => row['QUERY PLAN']).join('\n');

  it('read the indexes, never the whole table, with or without statistics, and never compile with JIT', async () => {
    t = await createTestContext('postgres');
    const appId = await createAppWithIntegration(t.ctx);
    await insertRecords(t.ctx, appId, recordsForUsers(2000, 2));
    const seqs = await t.ctx.store.db.all<{ event_seq: number }>(`SELECT event_seq FROM records ORDER BY id LIMIT 400`);
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const lookups: [string, SqlValue[], RegExp][] = [
      [PG_OPEN_RECORD_IDS_SQL, [JSON.stringify(users), appId, Number.MAX_SAFE_INTEGER], /Nested Loop[\s\S]*Index (Only )?Scan using records_open_by_user/],
      [PG_RECORD_STATES_SQL, [JSON.stringify(seqs.map((s) => s.event_seq))], /Nested Loop[\s\S]*records_by_event/],
    ];
    // Why: the portable IN-list form reads the whole table while the outbox has no statistics.
    const marks = seqs.map(() => '?').join(',');
    expect(
      await plan(
        `SELECT event_seq, generation, state FROM records WHERE event_seq IN (${marks})`,
        seqs.map((s) => s.event_seq),
      ),
    ).toMatch(/Seq Scan on records/);
    for (const analyzed of [false, true]) {
      if (analyzed) await t.ctx.store.db.exec('ANALYZE records');
      for (const [sql, params, expected] of lookups) {
        const steps = await plan(sql, params);
        expect(steps, `${analyzed ? 'after' : 'before'} ANALYZE`).toMatch(expected);
        expect(steps).not.toMatch(/Seq Scan on records/);
      }
    }
    expect(await t.ctx.store.db.get<{ jit: string }>('SHOW jit')).toEqual({ jit: 'off' });
  });

  it('answer what the portable lookups answer', async () => {
    t = await createTestContext('postgres');
    const appId = await createAppWithIntegration(t.ctx);
    const ids = await insertRecords(t.ctx, appId, [
      { userId: 'a', n: 1 },
      { userId: 'b', n: 2 },
      { userId: 'a', n: 3 },
      { userId: 'c', n: 4 },
    ]);
    await t.ctx.store.db.run(`UPDATE records SET state = 'delivered' WHERE id = ?`, [ids[1]!]);
    const open = await t.ctx.store.db.all<{ user_key: string; id: number }>(PG_OPEN_RECORD_IDS_SQL, [JSON.stringify(['a', 'b', 'c']), appId, ids[2]!]);
    expect(open.map((r) => [r.user_key, Number(r.id)])).toEqual([
      ['a', ids[0]],
      ['a', ids[2]],
    ]);
    const seqs = await t.ctx.store.db.all<{ event_seq: number }>(`SELECT event_seq FROM records WHERE id IN (?, ?)`, [ids[0]!, ids[1]!]);
    const states = await t.ctx.store.db.all<{ event_seq: number; generation: number; state: string }>(PG_RECORD_STATES_SQL, [JSON.stringify(seqs.map((s) => s.event_seq))]);
    expect(states.map((s) => s.state).sort()).toEqual(['delivered', 'pending']);
  });
});
