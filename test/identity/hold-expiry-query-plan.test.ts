import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRED_HOLDS_SQL } from '../../src/store/repos/outbox-repo.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

// The hold-expiry sweep runs every 5 s in a write transaction: a walk of the records table
// (it took ~70 ms at 200,000 records) holds every other writer up meanwhile. SQLite's plans
// follow rules, not statistics, so an empty database shows them.
describe('the hold-expiry sweep on SQLite', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestContext('sqlite');
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds expired holds through records_held_expiry, never by walking the records table', async () => {
    const steps = (await t.ctx.store.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${EXPIRED_HOLDS_SQL}`, [0, 1000])).map((row) => row.detail).join('\n');
    expect(steps).toMatch(/records USING INDEX records_held_expiry/);
    expect(steps).not.toMatch(/TEMP B-TREE/);
    expect(steps).not.toMatch(/SCAN records\b(?! USING)/);
  });
});
