import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readRecords, storeSettings } from './helpers.js';

const T0 = 1702390766120;
const T1 = T0 + 3_600_000;

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

  it('updates both profiles, each record carrying the ids its identity is resolved from', async () => {
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
    expect(profile(3)).toMatchObject({ user_id: 'alice', has_active_subscription: false, last_event: 'SUBSCRIPTION_TRANSFERRED' });
    expect(profile(3)).not.toHaveProperty('plan');
    expect(profile(4)).toMatchObject({ has_active_subscription: true, plan: 'monthly', purchasely_subscription_id: 'subs_transfer' });
    expect(profile(4)).not.toHaveProperty('user_id');
    expect(profile(6)).toMatchObject({ user_id: 'bob', has_active_subscription: true, last_event: 'SUBSCRIPTION_RECEIVED' });
  });
});
