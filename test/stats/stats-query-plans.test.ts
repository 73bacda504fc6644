import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_COUNTS_SQL } from '../../src/delivery/delivery-metrics.js';
import { LATENCY_SAMPLES_SQL, QUEUE_DEPTH_SQL } from '../../src/store/repos/stats-repo.js';
import type { SqlValue } from '../../src/store/db.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

// The dashboard polls the stats and Prometheus scrapes /metrics while a backlog drains; on
// SQLite these reads run on the main thread, so a query that walks every record blocks webhooks
// for as long as it takes (~1 s with a million pending before these plans). SQLite's plans are
// decided by rules, not table statistics, so they can be checked on an empty database;
// PostgreSQL's depend on the data and are left to its planner.
describe('stats and /metrics queries on SQLite', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  const plan = async (sql: string, params: SqlValue[]): Promise<string[]> =>
    (await t.ctx.store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((row) => row.detail);

  it.each([
    ['queue depth', QUEUE_DEPTH_SQL, ['app_x', 'app_x'], ['records_open_by_user', 'records_held']],
    ['delivery latency samples', LATENCY_SAMPLES_SQL, ['app_x', 0, 1], ['records_delivered']],
    ['outbox gauge', OUTBOX_COUNTS_SQL, [], ['records_ready', 'records_held']],
  ] as const)('reads the %s through partial indexes, never the whole records table', async (_name, sql, params, indexes) => {
    const steps = await plan(sql, [...params]);
    const onRecords = steps.filter((s) => /\b(SCAN|SEARCH) (records|r)\b/.test(s));
    expect(onRecords.length).toBeGreaterThan(0);
    for (const step of onRecords) expect(step).toMatch(/USING (COVERING )?INDEX/);
    for (const index of indexes) expect(steps.join('\n')).toContain(index);
  });
});
