import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { foldAll, ownersOf, propertiesOf, type World } from './helpers.js';
import { DAY, T0, T_CONVERT, T_RECOVER, T_RENEW, T_RETRY, T_SUB2, T_TERMINATE, T_TRANSFER, buildLifecycle } from './lifecycle.js';

const steps = buildLifecycle();
const allEvents: ParsedEvent[] = steps.flatMap((s) => s.events);

// Final snapshots, written by hand from the catalogue's rules and the story in lifecycle.ts.
const ALICE_FINAL = {
  user_id: 'alice',
  anonymous_user_id: null,
  has_active_subscription: false,
  has_expired_subscription: true,
  subscription_status: 'DEACTIVATED',
  environment: 'PRODUCTION',
  store: 'APPLE_APP_STORE',
  store_country: 'FR',
  product: 'PLUS',
  plan: 'monthly',
  // The terminated subscription states no next renewal, so its period cannot be read.
  plan_periodicity: null,
  previous_plan: null,
  store_product_id: 'com.app.plus.monthly',
  offer_type: 'NONE',
  promotional_offer_id: null,
  is_family_shared: false,
  content_id: null,
  purchasely_subscription_id: 'subs_1',
  subscription_started_at: T0,
  purchased_at: T_RECOVER,
  original_purchased_at: T0,
  next_renewal_at: null,
  effective_next_renewal_at: null,
  grace_period_expires_at: null,
  is_auto_renewing: false,
  is_in_grace_period: false,
  is_in_billing_retry: false,
  is_in_trial: false,
  is_in_intro_offer: false,
  is_promo_code: false,
  trial_ends_at: null,
  last_event: 'DEACTIVATE',
  cumulated_revenue_in_usd: null,
  expired_subscription_status: 'DEACTIVATED',
  expired_subscription_plan: 'monthly',
  expired_subscription_offer_type: 'NONE',
  expired_subscription_expired_at: T_TERMINATE,
  cumulated_revenues: 99.94,
  revenue_currency: 'EUR',
  has_lifetime_access: false,
  last_one_time_purchase_at: null,
};

const BOB_FINAL = {
  user_id: 'bob',
  anonymous_user_id: null,
  has_active_subscription: true,
  has_expired_subscription: false,
  subscription_status: 'AUTO_RENEWING_CANCELED',
  environment: 'PRODUCTION',
  store: 'GOOGLE_PLAY_STORE',
  store_country: 'DE',
  product: 'PLUS',
  plan: 'yearly',
  plan_periodicity: 'P1Y',
  previous_plan: null,
  store_product_id: 'com.app.plus.yearly',
  offer_type: 'NONE',
  promotional_offer_id: null,
  is_family_shared: false,
  content_id: null,
  purchasely_subscription_id: 'subs_2',
  subscription_started_at: T_SUB2,
  purchased_at: T_SUB2,
  original_purchased_at: T_SUB2,
  next_renewal_at: T_SUB2 + 365 * DAY,
  effective_next_renewal_at: T_SUB2 + 365 * DAY,
  grace_period_expires_at: null,
  is_auto_renewing: false,
  is_in_grace_period: false,
  is_in_billing_retry: false,
  is_in_trial: false,
  is_in_intro_offer: false,
  is_promo_code: false,
  trial_ends_at: null,
  last_event: 'RENEWAL_DISABLED',
  cumulated_revenue_in_usd: null,
  expired_subscription_status: null,
  expired_subscription_plan: null,
  expired_subscription_offer_type: null,
  expired_subscription_expired_at: null,
  cumulated_revenues: 0,
  revenue_currency: 'EUR',
  has_lifetime_access: false,
  last_one_time_purchase_at: null,
};

// What alice's profile shows after each step, in order (only the properties the step is about).
const ALICE_AFTER_STEP: Record<string, Record<string, unknown>> = {
  'trial started': {
    has_active_subscription: true,
    subscription_status: 'AUTO_RENEWING',
    offer_type: 'FREE_TRIAL',
    // A trial's period is not the plan's: no periodicity until the regular price applies.
    plan_periodicity: null,
    is_in_trial: true,
    trial_ends_at: T_CONVERT,
    is_auto_renewing: true,
    last_event: 'TRIAL_STARTED',
    cumulated_revenues: 0,
    subscription_started_at: T0,
  },
  'trial converted': {
    has_active_subscription: true,
    offer_type: 'NONE',
    plan_periodicity: 'P1M',
    is_in_trial: false,
    trial_ends_at: null,
    last_event: 'TRANSACTION_PROCESSED',
    cumulated_revenues: 9.99,
    purchased_at: T_CONVERT,
    next_renewal_at: T_CONVERT + 30 * DAY,
  },
  'renewed #1': { purchased_at: T_RENEW[0], cumulated_revenues: 19.98, is_in_billing_retry: false },
  'renewed #3': { purchased_at: T_RENEW[2], cumulated_revenues: 39.96, has_active_subscription: true },
  'entered billing retry': {
    has_active_subscription: false,
    // ON_HOLD without access is a lapsed subscription (Purchasely's "Expired sub. Status").
    has_expired_subscription: true,
    expired_subscription_status: 'ON_HOLD',
    expired_subscription_plan: 'monthly',
    expired_subscription_offer_type: 'NONE',
    expired_subscription_expired_at: T_RETRY,
    is_in_billing_retry: true,
    subscription_status: 'ON_HOLD',
    is_auto_renewing: false,
    last_event: 'DEACTIVATE',
    purchasely_subscription_id: 'subs_1',
  },
  'recovered from billing retry': {
    has_active_subscription: true,
    has_expired_subscription: false,
    expired_subscription_status: null,
    expired_subscription_expired_at: null,
    is_in_billing_retry: false,
    subscription_status: 'AUTO_RENEWING',
    is_auto_renewing: true,
    purchased_at: T_RECOVER,
    cumulated_revenues: 49.95,
  },
  'second subscription started': {
    purchasely_subscription_id: 'subs_2',
    plan: 'yearly',
    plan_periodicity: 'P1Y',
    store: 'GOOGLE_PLAY_STORE',
    subscription_started_at: T_SUB2,
    cumulated_revenues: 99.94,
  },
  'renewal disabled': {
    purchasely_subscription_id: 'subs_1',
    plan: 'monthly',
    plan_periodicity: 'P1M',
    subscription_status: 'AUTO_RENEWING_CANCELED',
    is_auto_renewing: false,
    has_active_subscription: true,
    last_event: 'RENEWAL_DISABLED',
  },
  'second subscription transferred to bob': {
    purchasely_subscription_id: 'subs_1',
    has_active_subscription: true,
    last_event: 'DEACTIVATE',
  },
  'first subscription terminated': ALICE_FINAL,
};

function snapshot(world: World) {
  return { owners: ownersOf(world), alice: propertiesOf(world, 'alice'), bob: propertiesOf(world, 'bob') };
}

describe('a full subscription lifecycle folded in creation order', () => {
  it('shows the expected profile after every step', () => {
    const world = foldAll([]);
    for (const { step, events } of steps) {
      foldAll(events, world);
      const expected = ALICE_AFTER_STEP[step];
      if (expected) expect(propertiesOf(world, 'alice'), step).toMatchObject(expected);
    }
  });

  it('hands the second subscription to bob at the transfer, with an active profile for him', () => {
    const upToTransfer = steps.slice(0, steps.findIndex((s) => s.step === 'second subscription transferred to bob') + 1);
    const world = foldAll(upToTransfer.flatMap((s) => s.events));
    expect(ownersOf(world)).toEqual({ subs_1: 'alice', subs_2: 'bob' });
    expect(propertiesOf(world, 'bob')).toMatchObject({
      user_id: 'bob',
      has_active_subscription: true,
      subscription_status: 'AUTO_RENEWING',
      purchasely_subscription_id: 'subs_2',
      last_event: 'SUBSCRIPTION_RECEIVED',
      purchased_at: T_SUB2,
    });
  });

  it('ends with the hand-written final snapshots', () => {
    const world = foldAll(allEvents);
    expect(ownersOf(world)).toEqual({ subs_1: 'alice', subs_2: 'bob' });
    expect(propertiesOf(world, 'alice')).toEqual(ALICE_FINAL);
    expect(propertiesOf(world, 'bob')).toEqual(BOB_FINAL);
  });

  it('keeps the transfer time in the story consistent (guards the fixture itself)', () => {
    expect(T_TRANSFER).toBeGreaterThan(T_SUB2);
  });
});

describe('the same lifecycle in any delivery order', () => {
  it('gives the same owners, snapshots and persisted states, retries included', () => {
    const inOrder = foldAll(allEvents);
    const indices = allEvents.map((_, i) => i);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(indices, { minLength: indices.length, maxLength: indices.length }),
        fc.array(fc.nat(indices.length - 1), { maxLength: 8 }),
        (order, retries) => {
          const shuffled = [...order, ...retries].map((i) => allEvents[i] as ParsedEvent);
          const world = foldAll(shuffled);
          expect(snapshot(world)).toEqual({ owners: { subs_1: 'alice', subs_2: 'bob' }, alice: ALICE_FINAL, bob: BOB_FINAL });
          // Canonical states: a store persisting them sees the same rows whatever the order.
          expect(Object.fromEntries(world.subs)).toEqual(Object.fromEntries(inOrder.subs));
          expect(Object.fromEntries(world.users)).toEqual(Object.fromEntries(inOrder.users));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives the same snapshot for any subset of the events, whatever its order', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(allEvents, { minLength: 1 }), fc.integer(), (subset, salt) => {
        const reordered = [...subset].sort((a, b) => hash(a.eventId, salt) - hash(b.eventId, salt));
        const a = foldAll(subset);
        const b = foldAll(reordered);
        expect(Object.fromEntries(b.subs)).toEqual(Object.fromEntries(a.subs));
        expect(Object.fromEntries(b.users)).toEqual(Object.fromEntries(a.users));
        for (const userKey of a.users.keys()) expect(propertiesOf(b, userKey)).toEqual(propertiesOf(a, userKey));
      }),
      { numRuns: 150 },
    );
  });
});

function hash(text: string, salt: number): number {
  let h = salt | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x9e3779b1);
  return h;
}
