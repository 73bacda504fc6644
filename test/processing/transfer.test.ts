import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, profileOwningNothing, readRecords, REMOVED, storeSettings } from './helpers.js';

const T0 = 1702390766120;
const T1 = T0 + 3_600_000;
/** The profile command that removes a property in CleverTap. */

/** An event of subscription `subs_transfer` (based on the documented ACTIVATE payload). */
function subscriptionEvent(fields: Record<string, unknown>): Record<string, unknown> {
  const { user_id: _ignored, ...base } = fixture('ACTIVATE');
  return { ...base, purchasely_subscription_id: 'subs_transfer', environment: 'PRODUCTION', ...fields };
}

describe.each(DIALECTS)('a subscription transferred between users (%s)', (dialect) => {
  let t: TestContext;
  let appId: string;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    ({ appId } = await createTestApp(t.ctx));
    await storeSettings(t.ctx, appId, allEnabledSettingsIn());
  });
  afterEach(async () => {
    await t.close();
  });

  /** alice activates `subs_transfer`; an hour later Purchasely transfers it to bob (both sides' events). */
  async function transferFromAliceToBob(): Promise<void> {
    await insertEvent(t.ctx, appId, subscriptionEvent({ event_id: 'a-activate', event_name: 'ACTIVATE', user_id: 'alice', event_created_at_ms: T0 }));
    await insertEvent(
      t.ctx,
      appId,
      subscriptionEvent({
        event_id: 'a-transferred',
        event_name: 'SUBSCRIPTION_TRANSFERRED',
        user_id: 'alice',
        transferred_from_user_id: 'alice',
        transferred_to_user_id: 'bob',
        event_created_at_ms: T1,
        event_created_at: new Date(T1).toISOString(),
      }),
    );
    await insertEvent(
      t.ctx,
      appId,
      subscriptionEvent({
        event_id: 'b-received',
        event_name: 'SUBSCRIPTION_RECEIVED',
        user_id: 'bob',
        transferred_from_user_id: 'alice',
        transferred_to_user_id: 'bob',
        event_created_at_ms: T1,
        event_created_at: new Date(T1).toISOString(),
      }),
    );
    await processAll(t.ctx);
  }

  it('updates both profiles, each record carrying the ids its identity is resolved from', async () => {
    await transferFromAliceToBob();

    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.eventId, r.kind, r.userKey, r.userId, r.anonymousUserId, r.state])).toEqual([
      ['a-activate', 'event', 'alice', 'alice', null, 'pending'],
      ['a-activate', 'profile', 'alice', 'alice', null, 'pending'],
      ['a-transferred', 'event', 'alice', 'alice', null, 'pending'],
      // The transfer moves the subscription: alice's profile and bob's, in one transaction.
      ['a-transferred', 'profile', 'alice', 'alice', null, 'pending'],
      ['a-transferred', 'profile', 'bob', 'bob', null, 'pending'],
      // bob's own event: only bob's profile changes (his user-level fields appear).
      ['b-received', 'event', 'bob', 'bob', null, 'pending'],
      ['b-received', 'profile', 'bob', 'bob', null, 'pending'],
    ]);
    const profile = (i: number) => (records[i]!.body as { profileData: Record<string, unknown> }).profileData;
    expect(profile(1)).toMatchObject({ user_id: 'alice', has_active_subscription: true, plan: 'monthly' });
    expect(profile(3)).toMatchObject({ user_id: 'alice', has_active_subscription: false, last_event: 'SUBSCRIPTION_TRANSFERRED', plan: REMOVED });
    expect(profile(4)).toMatchObject({ has_active_subscription: true, plan: 'monthly', purchasely_subscription_id: 'subs_transfer' });
    // bob's own user-level fields are not known before his first event.
    expect(profile(4)).toMatchObject({ user_id: REMOVED, last_event: REMOVED });
    expect(profile(6)).toMatchObject({ user_id: 'bob', has_active_subscription: true, last_event: 'SUBSCRIPTION_RECEIVED' });
  });

  it("removes the subscription's status, plan and dates from the previous owner's profile and makes it not active", async () => {
    await transferFromAliceToBob();

    const fromTransfer = (await readRecords(t.ctx, appId)).filter((r) => r.eventId === 'a-transferred' && r.kind === 'profile');
    expect(fromTransfer.map((r) => r.userKey)).toEqual(['alice', 'bob']);
    // Every property alice had from subs_transfer is removed in CleverTap, not left as it was.
    expect(fromTransfer[0]!.body).toStrictEqual({
      type: 'profile',
      ts: Math.floor(T1 / 1000),
      profileData: profileOwningNothing({ user_id: 'alice', last_event: 'SUBSCRIPTION_TRANSFERRED', cumulated_revenues: 69.9, revenue_currency: 'EUR' }),
    });
    // The new owner gets the subscription's values.
    expect((fromTransfer[1]!.body as { profileData: Record<string, unknown> }).profileData).toMatchObject({
      has_active_subscription: true,
      subscription_status: 'AUTO_RENEWING',
      plan: 'monthly',
      purchased_at: '$D_1702390391',
      next_renewal_at: '$D_1702390991',
    });
  });
});
