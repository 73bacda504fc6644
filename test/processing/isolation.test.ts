/**
 * Issue 15, "one event can fail only itself": an event whose processing throws, or whose SQL
 * fails (on PostgreSQL a failed statement aborts the whole transaction, so catching it in
 * JavaScript is not enough), is quarantined with the reason `processing_error`; the other
 * events of its batch are committed, and later batches go on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { processBatch } from '../../src/processing/process-batch.js';
import type { Db, Queryable, SqlValue } from '../../src/store/db.js';
import { createRepos } from '../../src/store/store.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readEventStatus, readRecords, storeSettings } from './helpers.js';

const POISON = 'poison';

type Where = 'any' | 'records';

/**
 * The context with a database whose transactions fail a real SQL statement whenever a
 * statement is sent with a parameter containing POISON (`where: 'records'`: only the outbox
 * insert): the failure happens in the database, leaving a PostgreSQL transaction aborted.
 */
function poisonedContext(ctx: AppContext, where: Where): AppContext {
  const real = ctx.store.db;
  const touches = (sql: string, params: readonly SqlValue[] | undefined) =>
    (where === 'any' || /^\s*INSERT INTO records/i.test(sql)) && (params ?? []).some((p) => typeof p === 'string' && p.includes(POISON));
  const wrap = (q: Queryable): Queryable => {
    const fail = async (sql: string, params: readonly SqlValue[] | undefined): Promise<void> => {
      // A constraint violation: a failure of the data, as the database reports it.
      if (touches(sql, params)) await q.run('INSERT INTO leases (name, holder, lease_until) VALUES (NULL, NULL, NULL)');
    };
    return {
      dialect: q.dialect,
      all: async (sql, params) => (await fail(sql, params), q.all(sql, params)),
      get: async (sql, params) => (await fail(sql, params), q.get(sql, params)),
      run: async (sql, params) => (await fail(sql, params), q.run(sql, params)),
    };
  };
  const db: Db = { ...real, transaction: (fn, opts) => real.transaction((q) => fn(wrap(q)), opts) };
  return { ...ctx, store: { ...ctx.store, db, transaction: (fn, opts) => db.transaction((q) => fn(createRepos(q)), opts) } };
}

describe.each(DIALECTS)('one event fails only itself (%s)', (dialect) => {
  let t: TestContext;
  let appId: string;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    ({ appId } = await createTestApp(t.ctx));
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
  });
  afterEach(async () => {
    await t.close();
  });

  /** ACTIVATE events for users u0, u1, …, the poisoned ones' user ids holding POISON. */
  async function insertUsers(n: number, poisoned: readonly number[], prefix = 'u'): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const userId = poisoned.includes(i) ? `${POISON}-${prefix}${i}` : `${prefix}${i}`;
      const eventId = `evt-${prefix}${i}`;
      await insertEvent(t.ctx, appId, { ...fixture('ACTIVATE'), event_id: eventId, user_id: userId, purchasely_subscription_id: `subs-${prefix}${i}` });
      ids.push(eventId);
    }
    return ids;
  }

  async function statuses(eventIds: readonly string[]): Promise<string[]> {
    return Promise.all(
      eventIds.map(async (id) => {
        const s = await readEventStatus(t.ctx, appId, id);
        return `${s.status}${s.reason ? `:${s.reason}` : ''}`;
      }),
    );
  }

  it.each<[string, Where, number[]]>([
    ['a failing statement anywhere (loading the batch)', 'any', [2]],
    ['a failing outbox insert (writing the batch)', 'records', [2]],
    ['two poisoned events, first and last', 'any', [0, 9]],
    ['every event poisoned', 'records', [0, 1, 2]],
  ])('%s: the poisoned event is quarantined, the rest of the batch committed in one go', async (_label, where, poisoned) => {
    const n = poisoned.length === 3 ? 3 : 10;
    const ids = await insertUsers(n, poisoned);
    const ctx = poisonedContext(t.ctx, where);
    const result = await processBatch(ctx, { limit: 500 });
    expect(result).toMatchObject({ processed: n, busy: false });
    expect(await statuses(ids)).toEqual(ids.map((_, i) => (poisoned.includes(i) ? 'quarantined:processing_error' : 'pending')));
    const records = await readRecords(t.ctx, appId);
    expect(new Set(records.map((r) => r.eventId))).toEqual(new Set(ids.filter((_, i) => !poisoned.includes(i))));
    expect(records.some((r) => r.userKey.includes(POISON))).toBe(false);
    // The probing transactions were rolled back: each record was written once, by the commit.
    const kinds = records.map((r) => `${r.eventId}/${r.kind}`);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(records.every((r) => r.generation === 1)).toBe(true);
    // The poisoned event left no state behind: its user is unknown.
    const states = await t.ctx.store.db.all<{ user_key: string }>('SELECT user_key FROM user_states WHERE app_id = ?', [appId]);
    expect(states.some((s) => s.user_key.includes(POISON))).toBe(false);

    // Later batches proceed.
    const later = await insertUsers(3, [], 'later');
    await processBatch(ctx, { limit: 500 });
    expect(await statuses(later)).toEqual(['pending', 'pending', 'pending']);
  });

  it('a stored state that no longer reads quarantines that user’s event, not its batch neighbours', async () => {
    const ids = await insertUsers(4, []);
    // State rows written by who knows what: u1's is not JSON at all (loading the batch throws),
    // the subscription u2's event touches has the wrong shape (folding that event throws).
    await t.ctx.store.db.run('INSERT INTO user_states (app_id, environment, user_key, state_json, properties_json) VALUES (?, ?, ?, ?, ?)', [
      appId,
      'SANDBOX',
      'u1',
      'not json',
      '{}',
    ]);
    await t.ctx.store.db.run('INSERT INTO subscription_states (app_id, environment, subscription_id, owner_user_key, state_json) VALUES (?, ?, ?, NULL, ?)', [
      appId,
      'SANDBOX',
      'subs-u2',
      '{}',
    ]);
    await processAll(t.ctx);
    expect(await statuses(ids)).toEqual(['pending', 'quarantined:processing_error', 'quarantined:processing_error', 'pending']);
    const later = await insertUsers(2, [], 'later');
    await processAll(t.ctx);
    expect(await statuses(later)).toEqual(['pending', 'pending']);
  });
});
