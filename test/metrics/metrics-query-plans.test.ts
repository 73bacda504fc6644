import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_FAILED_ACCOUNTS_SQL, OUTBOX_COUNTS_SQL, RECEIVED_EVENTS_SQL } from '../../src/store/repos/metrics-repo.js';
import type { SqlValue } from '../../src/store/db.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

// Prometheus scrapes every instance every few seconds, and on SQLite these reads run on the main
// thread: a query that walks the records or events table would block webhooks as it grows.
// SQLite's plans follow rules, not statistics, so an empty database shows them.
describe('/metrics store reads on SQLite', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  const plan = async (sql: string, params: SqlValue[]): Promise<string> =>
    (await t.ctx.store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((row) => row.detail).join('\n');

  it.each([
    ['outbox gauge', OUTBOX_COUNTS_SQL, [], /records_ready[\s\S]*records_held/],
    ['unprocessed events gauge', RECEIVED_EVENTS_SQL, [], /events_to_process/],
  ] as const)('reads the %s through an index, never a whole table', async (_name, sql, params, expected) => {
    const steps = await plan(sql, [...params]);
    expect(steps).toMatch(expected);
    expect(steps).not.toMatch(/SCAN (records|events|r|e)\b(?! USING)/);
  });

  it('reads paused accounts from the accounts table (one row per CleverTap account)', async () => {
    expect(await plan(AUTH_FAILED_ACCOUNTS_SQL, [])).toMatch(/accounts/);
  });
});
