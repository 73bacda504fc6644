import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createAppWithIntegration, insertRecords, recordsForUsers } from './helpers.js';

describe.each(DIALECTS)('lease renewal (%s)', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it("extends only this owner's leases that end before the mark, leaving fresher ones and others' alone", async () => {
    const appId = await createAppWithIntegration(t.ctx);
    const ids = await insertRecords(t.ctx, appId, recordsForUsers(4, 1));
    const at = 1_000_000;
    const lease = async (id: number, owner: string, until: number): Promise<void> => {
      await t.ctx.store.db.run(`UPDATE records SET state = 'in_flight', lease_owner = ?, lease_until = ? WHERE id = ?`, [owner, until, id]);
    };
    await lease(ids[0]!, 'me', at + 1_000); // claimed long ago
    await lease(ids[1]!, 'me', at + 9_000); // claimed just now
    await lease(ids[2]!, 'someone-else', at + 1_000);
    await lease(ids[3]!, 'me', at + 7_499);

    await t.ctx.store.delivery.records.renewLeases('me', at + 10_000, at + 7_500);

    const rows = await t.ctx.store.db.all<{ id: number; lease_until: number }>(`SELECT id, lease_until FROM records ORDER BY id`);
    expect(rows.map((r) => Number(r.lease_until))).toEqual([at + 10_000, at + 9_000, at + 1_000, at + 10_000]);
  });
});
