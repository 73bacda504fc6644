import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processBatch } from '../../src/processing/process-batch.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, profileOwningNothing, readEventStatus, readRecords, REMOVED, storeSettings } from './helpers.js';

const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';
const ACTIVATE_ID = '5e45109f-7fac-45f8-a7e4-464892d5d35d';

describe.each(DIALECTS)('ownership moves and replays (%s)', (dialect) => {
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

  it('when a later event of another user takes a subscription over, both users get a profile record from that event', async () => {
    // The anonymous user starts the subscription; later the same subscription's ACTIVATE names
    // user_id "toto": toto's event is now the subscription's latest, so toto owns it (SPEC §4).
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);

    const fromActivate = (await readRecords(t.ctx, appId)).filter((r) => r.eventId === ACTIVATE_ID);
    expect(fromActivate.map((r) => [r.kind, r.userKey, r.state])).toEqual([
      ['event', 'toto', 'pending'],
      ['profile', 'toto', 'pending'],
      ['profile', ANON, 'held'],
    ]);
    expect(fromActivate[1]!.body).toEqual({
      type: 'profile',
      ts: 1702390766,
      profileData: {
        user_id: 'toto',
        anonymous_user_id: REMOVED,
        has_active_subscription: true,
        has_expired_subscription: false,
        subscription_status: 'AUTO_RENEWING',
        environment: 'SANDBOX',
        store: 'GOOGLE_PLAY_STORE',
        store_country: 'FR',
        product: 'PURCHASELY_PLUS',
        plan: 'monthly',
        plan_periodicity: REMOVED,
        previous_plan: REMOVED,
        store_product_id: 'com.purchasely.plus.monthly',
        offer_type: 'NONE',
        promotional_offer_id: REMOVED,
        is_family_shared: false,
        content_id: REMOVED,
        purchasely_subscription_id: 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe',
        subscription_started_at: '$D_1702388896',
        purchased_at: '$D_1702390391',
        original_purchased_at: '$D_1702388896',
        next_renewal_at: '$D_1702390991',
        effective_next_renewal_at: '$D_1702390991',
        grace_period_expires_at: REMOVED,
        is_auto_renewing: true,
        is_in_grace_period: false,
        is_in_billing_retry: false,
        is_in_trial: false,
        is_in_intro_offer: false,
        is_promo_code: false,
        trial_ends_at: REMOVED,
        last_event: 'ACTIVATE',
        cumulated_revenue_in_usd: REMOVED,
        expired_subscription_status: REMOVED,
        expired_subscription_plan: REMOVED,
        expired_subscription_offer_type: REMOVED,
        expired_subscription_expired_at: REMOVED,
        cumulated_revenues: 69.9,
        revenue_currency: 'EUR',
        has_lifetime_access: false,
        last_one_time_purchase_at: REMOVED,
      },
    });
    // The anonymous user owns nothing any more: its subscription-derived values are removed
    // and its booleans false; user-level fields stay.
    expect(fromActivate[2]!.body).toEqual({
      type: 'profile',
      ts: 1702390766,
      profileData: profileOwningNothing({ anonymous_user_id: ANON, last_event: 'SUBSCRIPTION_STARTED', cumulated_revenues: 9.99, revenue_currency: 'EUR' }),
    });
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'held', reason: null });
  });

  it('a replayed event gets a new generation of records with the current snapshot; the old ones stay', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const first = await readRecords(t.ctx, appId);

    // A rename saved since then applies to the replay only.
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', events: { ACTIVATE: { enabled: true, name: 'Access Granted' } } }));
    await t.ctx.store.db.run(`UPDATE events SET status = 'received', reason = NULL WHERE app_id = ? AND event_id = ?`, [appId, ACTIVATE_ID]);
    await processAll(t.ctx);

    const all = await readRecords(t.ctx, appId);
    expect(all.slice(0, 2)).toEqual(first);
    const replayed = all.slice(2);
    expect(replayed.map((r) => [r.kind, r.generation, r.state])).toEqual([
      ['event', 2, 'pending'],
      ['profile', 2, 'pending'],
    ]);
    expect((replayed[0]!.body as { evtName: string }).evtName).toBe('Access Granted');
    // The snapshot did not change, yet the replay carries the whole current profile again.
    expect(replayed[1]!.body).toEqual(first[1]!.body);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'pending', reason: null });
  });

  it('replaying an event skipped while the integration was off sends its record and the whole current profile', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ enabled: false, sandbox: 'same_account' }));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'integration_disabled' });

    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', userProperties: { plan: { enabled: true } } }));
    // What a replay does (src/replay): back to received, reason and processed_at cleared.
    await t.ctx.store.db.run(`UPDATE events SET status = 'received', reason = NULL, processed_at = NULL WHERE app_id = ? AND event_id = ?`, [appId, ACTIVATE_ID]);
    await processAll(t.ctx);

    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.kind, r.generation])).toEqual([
      ['event', 1],
      ['profile', 1],
    ]);
    expect(records[1]!.body).toEqual({ type: 'profile', ts: 1702390766, profileData: { plan: 'monthly' } });
  });

  it('processing again after a backlog is done writes no second copy of its records', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toHaveLength(2);
  });

  it('a batch cut short by its time budget leaves the rest received, and the next batch takes them in order', async () => {
    for (let i = 0; i < 3; i++) {
      const payload = { ...fixture('ACTIVATE'), event_id: `budget-${i}`, user_id: `budget-user-${i}`, purchasely_subscription_id: `budget-sub-${i}` };
      await insertEvent(t.ctx, appId, payload);
    }
    const first = await processBatch(t.ctx, { limit: 10, budgetMs: 0 });
    expect(first).toMatchObject({ processed: 1, busy: false });
    expect((await readEventStatus(t.ctx, appId, 'budget-0')).status).toBe('pending');
    expect((await readEventStatus(t.ctx, appId, 'budget-1')).status).toBe('received');
    await processAll(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => r.eventId)).toEqual(['budget-0', 'budget-0', 'budget-1', 'budget-1', 'budget-2', 'budget-2']);
  });

  it("a user's events are folded in the order they were received, across batches", async () => {
    // Three events of one user in batches of one: each profile shows the state after its event.
    const base = fixture('ACTIVATE');
    const plans = ['monthly', 'yearly', 'weekly'];
    for (const [i, plan] of plans.entries()) {
      await insertEvent(t.ctx, appId, {
        ...base,
        event_id: `order-${i}`,
        event_name: 'SUBSCRIPTION_CROSSGRADED',
        plan,
        event_created_at_ms: 1702390766120 + i * 1000,
        event_created_at: new Date(1702390766120 + i * 1000).toISOString(),
      });
    }
    await processAll(t.ctx, 1);
    const profiles = (await readRecords(t.ctx, appId)).filter((r) => r.kind === 'profile');
    expect(profiles.map((r) => [r.eventId, (r.body as { profileData: { plan: string } }).profileData.plan])).toEqual([
      ['order-0', 'monthly'],
      ['order-1', 'yearly'],
      ['order-2', 'weekly'],
    ]);
  });
});
