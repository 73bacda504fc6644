import { describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { computeUserProperties, diffUserProperties, foldUser } from '../../src/state/index.js';
import { fixture, foldAll, parsed, propertiesOf, variant } from './helpers.js';

const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';
const SUB = 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe';
const started = () => fixture('SUBSCRIPTION_STARTED');
const activate = () => fixture('ACTIVATE');
const transaction = () => fixture('TRANSACTION_PROCESSED');

/** Properties of `userKey` after folding `events` (all of one app and environment). */
function propsAfter(events: ParsedEvent[], userKey = 'toto') {
  return propertiesOf(foldAll(events), userKey);
}

describe('user properties from the documented payloads', () => {
  it('derive every property of an anonymous user from SUBSCRIPTION_STARTED alone', () => {
    expect(propsAfter([parsed(started())], ANON)).toEqual({
      user_id: null,
      anonymous_user_id: ANON,
      has_active_subscription: true, // no entitlement event yet, status AUTO_RENEWING
      has_expired_subscription: false,
      subscription_status: 'AUTO_RENEWING',
      environment: 'SANDBOX',
      store: 'GOOGLE_PLAY_STORE',
      store_country: 'FR',
      product: 'PURCHASELY_PLUS',
      plan: 'monthly',
      // A sandbox period of 5 minutes matches none of Purchasely's periodicities.
      plan_periodicity: null,
      previous_plan: null,
      store_product_id: 'com.purchasely.plus.monthly',
      offer_type: 'NONE',
      promotional_offer_id: null,
      is_family_shared: false,
      content_id: null,
      purchasely_subscription_id: SUB,
      subscription_started_at: 1702388896233,
      purchased_at: 1702388896233,
      original_purchased_at: 1702388896233,
      next_renewal_at: 1702389191777,
      effective_next_renewal_at: 1702389191777,
      grace_period_expires_at: null,
      is_auto_renewing: true,
      is_in_grace_period: false,
      is_in_billing_retry: false,
      is_in_trial: false,
      is_in_intro_offer: false,
      is_promo_code: false,
      trial_ends_at: null,
      last_event: 'SUBSCRIPTION_STARTED',
      cumulated_revenue_in_usd: null,
      expired_subscription_status: null,
      expired_subscription_plan: null,
      expired_subscription_offer_type: null,
      expired_subscription_expired_at: null,
      cumulated_revenues: 9.99,
      revenue_currency: 'EUR',
      has_lifetime_access: false,
      last_one_time_purchase_at: null,
    });
  });

  it('move the subscription to the identified user once their events are the latest', () => {
    const world = foldAll([parsed(transaction()), parsed(activate()), parsed(started())]);
    // ACTIVATE and TRANSACTION_PROCESSED share a millisecond; TRANSACTION_PROCESSED ranks later.
    expect(propertiesOf(world, 'toto')).toMatchObject({
      user_id: 'toto',
      anonymous_user_id: null,
      has_active_subscription: true,
      purchased_at: 1702390391777,
      next_renewal_at: 1702390991777,
      last_event: 'TRANSACTION_PROCESSED',
      cumulated_revenues: 69.9,
      revenue_currency: 'EUR',
    });
    expect(propertiesOf(world, ANON)).toMatchObject({
      anonymous_user_id: ANON,
      has_active_subscription: false,
      subscription_status: null,
      plan: null,
      subscription_started_at: null,
      is_auto_renewing: false,
      last_event: 'SUBSCRIPTION_STARTED',
      cumulated_revenues: 9.99,
    });
  });
});

describe('each user property on variations of the ACTIVATE payload', () => {
  type Case = [label: string, changes: Record<string, unknown>, expected: Record<string, unknown>];
  const cases: Case[] = [
    [
      'a free trial makes is_in_trial true and trial_ends_at the effective renewal',
      { offer_type: 'FREE_TRIAL' },
      { is_in_trial: true, trial_ends_at: 1702390991777, is_in_intro_offer: false, is_promo_code: false },
    ],
    ['an introductory offer sets is_in_intro_offer', { offer_type: 'INTRO_OFFER' }, { is_in_intro_offer: true, is_in_trial: false, trial_ends_at: null }],
    ['a promo code sets is_promo_code', { offer_type: 'PROMO_CODE' }, { is_promo_code: true, is_in_trial: false }],
    [
      'a promotional offer is reported with its id',
      { offer_type: 'PROMOTIONAL_OFFER', promotional_offer_id: 'spring' },
      { offer_type: 'PROMOTIONAL_OFFER', promotional_offer_id: 'spring', is_promo_code: false },
    ],
    [
      'a grace period sets is_in_grace_period and its expiry date',
      { subscription_status: 'IN_GRACE_PERIOD', grace_period_expires_at: '2023-12-19T14:13:11.777Z', grace_period_expires_at_ms: 1702995191777 },
      { is_in_grace_period: true, grace_period_expires_at: 1702995191777, is_auto_renewing: false, has_active_subscription: true },
    ],
    ['an ON_HOLD status means billing retry', { subscription_status: 'ON_HOLD' }, { is_in_billing_retry: true, is_auto_renewing: false }],
    ['AUTO_RENEWING_CANCELED is not auto-renewing', { subscription_status: 'AUTO_RENEWING_CANCELED' }, { is_auto_renewing: false, has_active_subscription: true }],
    [
      'a date without its _ms twin is read from the RFC 3339 string',
      { purchased_at_ms: undefined, next_renewal_at_ms: null },
      { purchased_at: 1702390391777, next_renewal_at: 1702390991777 },
    ],
    [
      'a null attribute is unset, and family sharing not stated is false',
      { store_country: null, plan: null, is_family_shared: null },
      { store_country: null, plan: null, is_family_shared: false },
    ],
    ['previous plan and content id are copied', { previous_plan: 'weekly', content_id: 'article-42' }, { previous_plan: 'weekly', content_id: 'article-42' }],
    ['family sharing is copied', { is_family_shared: true }, { is_family_shared: true }],
    ['the revenue currency comes from the key', { cumulated_revenues_in_eur: undefined, cumulated_revenues_in_usd: 75.5 }, { cumulated_revenues: 75.5, revenue_currency: 'USD' }],
    [
      'cumulated revenues given as a decimal string are read as a number',
      { cumulated_revenues_in_eur: '69.90', cumulated_revenues_in_usd: '75.10' },
      { cumulated_revenues: 69.9, revenue_currency: 'EUR', cumulated_revenue_in_usd: 75.1 },
    ],
    ['without cumulated revenues both revenue properties are null', { cumulated_revenues_in_eur: undefined }, { cumulated_revenues: null, revenue_currency: null }],
    ['both user ids are reported when the event carries both', { anonymous_user_id: 'anon-1' }, { user_id: 'toto', anonymous_user_id: 'anon-1' }],
    [
      'a one-time purchase is identified by its own id and is no subscription',
      { purchasely_subscription_id: undefined, purchasely_one_time_purchase_id: 'otp_1', subscription_status: undefined, purchase_type: 'NON_CONSUMABLE' },
      {
        purchasely_subscription_id: null,
        has_active_subscription: false,
        subscription_status: null,
        is_auto_renewing: false,
        product: null,
        plan: null,
        has_lifetime_access: true,
        last_one_time_purchase_at: 1702390391777,
      },
    ],
    [
      'a subscription period of a year at the regular price is P1Y',
      { next_renewal_at: '2024-12-12T14:13:11.777Z', next_renewal_at_ms: 1702390391777 + 366 * 86_400_000 },
      { plan_periodicity: 'P1Y' },
    ],
    ['a monthly period during an offer has no periodicity', { offer_type: 'INTRO_OFFER', next_renewal_at_ms: 1702390391777 + 31 * 86_400_000 }, { plan_periodicity: null }],
    [
      'cumulated revenues in USD are reported as cumulated_revenue_in_usd',
      { cumulated_revenues_in_usd: 75.5 },
      { cumulated_revenue_in_usd: 75.5, cumulated_revenues: 69.9, revenue_currency: 'EUR' },
    ],
  ];

  it.each(cases)('%s', (_label, changes, expected) => {
    expect(propsAfter([variant(activate(), changes)])).toMatchObject(expected);
  });
});

describe('entitlement and the primary subscription', () => {
  const deactivate = (changes: Record<string, unknown> = {}) =>
    variant(activate(), { event_name: 'DEACTIVATE', event_id: 'deact-1', event_created_at_ms: 1702390800000, ...changes });

  it('a trial offer no longer counts once the subscription is deactivated', () => {
    const props = propsAfter([variant(activate(), { offer_type: 'FREE_TRIAL' }), deactivate({ offer_type: 'FREE_TRIAL' })]);
    expect(props).toMatchObject({ has_active_subscription: false, is_in_trial: false, trial_ends_at: null, offer_type: 'FREE_TRIAL' });
  });

  it.each([
    ['ON_HOLD', true],
    ['DEACTIVATED', true],
    ['REVOKED', true],
    ['PAUSED', true],
    ['UNPAID', true],
    ['CANCELED', true],
    ['AUTO_RENEWING_CANCELED', false],
    ['IN_GRACE_PERIOD', false],
  ])('a deactivated subscription with status %s counts as expired: %s', (status, expired) => {
    const props = propsAfter([parsed(activate()), deactivate({ subscription_status: status })]);
    expect(props).toMatchObject({ has_active_subscription: false, has_expired_subscription: expired });
  });

  it('a DEACTIVATE in the same millisecond as an ACTIVATE wins (it ranks last)', () => {
    const props = propsAfter([deactivate({ event_created_at_ms: 1702390766120, event_id: 'a' }), parsed(activate())]);
    expect(props['has_active_subscription']).toBe(false);
  });

  it.each([
    ['AUTO_RENEWING', true],
    ['AUTO_RENEWING_CANCELED', true],
    ['IN_GRACE_PERIOD', true],
    ['ON_HOLD', false],
    ['PAUSED', false],
    ['DEACTIVATED', false],
  ])('without an entitlement event, status %s means entitled: %s', (status, entitled) => {
    const props = propsAfter([variant(started(), { subscription_status: status, user_id: 'toto' })]);
    expect(props['has_active_subscription']).toBe(entitled);
  });

  it('the primary subscription is the entitled one even when another has a later event', () => {
    const entitledOld = parsed(activate());
    const expiredNew = deactivate({
      purchasely_subscription_id: 'subs_other',
      plan: 'yearly',
      subscription_status: 'DEACTIVATED',
      event_created_at_ms: 1702999999999,
    });
    const props = propsAfter([expiredNew, entitledOld]);
    expect(props).toMatchObject({ plan: 'monthly', purchasely_subscription_id: SUB, has_active_subscription: true, has_expired_subscription: true });
  });

  it('with no entitled subscription the primary one is the one with the latest event', () => {
    const older = deactivate({ purchasely_subscription_id: 'subs_a', plan: 'weekly', subscription_status: 'DEACTIVATED', event_id: 'x1' });
    const newer = deactivate({ purchasely_subscription_id: 'subs_b', plan: 'yearly', subscription_status: 'REVOKED', event_id: 'x2', event_created_at_ms: 1702390800001 });
    expect(propsAfter([newer, older])).toMatchObject({ plan: 'yearly', subscription_status: 'REVOKED', purchasely_subscription_id: 'subs_b' });
  });

  it('among entitled subscriptions the one with the latest event is primary', () => {
    const a = variant(activate(), { purchasely_subscription_id: 'subs_a', plan: 'weekly', event_id: 'a' });
    const b = variant(activate(), { purchasely_subscription_id: 'subs_b', plan: 'yearly', event_id: 'b', event_created_at_ms: 1702390766121 });
    expect(propsAfter([b, a])['plan']).toBe('yearly');
  });

  it('billing retry lasts until a later recovery', () => {
    const retry = variant(activate(), { event_name: 'ENTERED_BILLING_RETRY', event_id: 'r1', event_created_at_ms: 1702390800000 });
    const recovered = variant(activate(), { event_name: 'SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY', event_id: 'r2', event_created_at_ms: 1702390900000 });
    expect(propsAfter([retry])['is_in_billing_retry']).toBe(true);
    expect(propsAfter([recovered, retry])['is_in_billing_retry']).toBe(false);
  });

  it('a user without any subscription has false flags and null subscription fields', () => {
    const user = foldUser(null, 'toto', parsed(activate()));
    const props = computeUserProperties(user, []);
    expect(props).toMatchObject({
      user_id: 'toto',
      has_active_subscription: false,
      has_expired_subscription: false,
      is_auto_renewing: false,
      is_in_billing_retry: false,
      subscription_status: null,
      environment: null,
      subscription_started_at: null,
      last_event: 'ACTIVATE',
    });
  });
});

describe('user-level fields', () => {
  it('take each value from the latest event that carries it', () => {
    const early = variant(activate(), { event_id: 'e1', event_created_at_ms: 1000, anonymous_user_id: 'anon-old', cumulated_revenues_in_eur: 10 });
    const late = variant(activate(), { event_id: 'e2', event_created_at_ms: 2000, anonymous_user_id: 'anon-new', cumulated_revenues_in_eur: 30 });
    const latestWithout = variant(activate(), {
      event_id: 'e3',
      event_created_at_ms: 3000,
      event_name: 'RENEWAL_DISABLED',
      anonymous_user_id: null,
      cumulated_revenues_in_eur: undefined,
    });
    for (const order of [
      [early, late, latestWithout],
      [latestWithout, late, early],
    ]) {
      expect(propsAfter(order)).toMatchObject({
        anonymous_user_id: 'anon-new',
        cumulated_revenues: 30,
        last_event: 'RENEWAL_DISABLED',
      });
    }
  });
});

describe('diffUserProperties', () => {
  it('names the properties that changed, all non-null ones against no snapshot', () => {
    const before = propsAfter([parsed(activate())]);
    const after = propsAfter([
      parsed(activate()),
      variant(activate(), { event_id: 'x', event_created_at_ms: 1702390800000, event_name: 'RENEWAL_DISABLED', subscription_status: 'AUTO_RENEWING_CANCELED' }),
    ]);
    expect(diffUserProperties(before, after)).toEqual(['subscription_status', 'is_auto_renewing', 'last_event']);
    expect(diffUserProperties(before, before)).toEqual([]);
    expect(diffUserProperties(null, before)).toContain('user_id');
    expect(diffUserProperties(null, before)).not.toContain('previous_plan');
  });
});
