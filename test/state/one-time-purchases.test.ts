/**
 * The subscription properties describe subscriptions only: a consumable never makes an active
 * subscriber nor replaces the subscription's product or plan; a non-consumable (lifetime unlock)
 * gives `has_lifetime_access`; any one-time purchase sets `last_one_time_purchase_at`; a
 * non-renewing subscription counts while it grants access. Events are variations of the
 * documented ACTIVATE payload (user toto).
 */
import { describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { fixture, foldAll, propertiesOf, variant } from './helpers.js';

const T0 = 1702390766120; // the documented ACTIVATE's event_created_at_ms
const HOUR = 3_600_000;
const SUB = 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe';
const iso = (ms: number) => new Date(ms).toISOString();

/** An event `hours` after the documented ACTIVATE, about its subscription unless `changes` say otherwise. */
function event(name: string, hours: number, changes: Record<string, unknown> = {}): ParsedEvent {
  const ms = T0 + hours * HOUR;
  return variant(fixture('ACTIVATE'), { event_id: `${name.toLowerCase()}-${hours}`, event_name: name, event_created_at_ms: ms, event_created_at: iso(ms), ...changes });
}

/** Attributes of a one-time purchase bought `hours` after the documented ACTIVATE (no subscription id, no renewal). */
function oneTime(id: string, purchaseType: 'CONSUMABLE' | 'NON_CONSUMABLE', product: string, plan: string, hours: number): Record<string, unknown> {
  const ms = T0 + hours * HOUR;
  return {
    purchasely_subscription_id: undefined,
    purchasely_one_time_purchase_id: id,
    purchase_type: purchaseType,
    product,
    plan,
    store_product_id: `com.purchasely.${plan}`,
    subscription_status: undefined,
    purchased_at: iso(ms),
    purchased_at_ms: ms,
    original_purchased_at: iso(ms),
    original_purchased_at_ms: ms,
    next_renewal_at: undefined,
    next_renewal_at_ms: undefined,
    effective_next_renewal_at: undefined,
    effective_next_renewal_at_ms: undefined,
  };
}

const coins = (hours: number) => oneTime('otp_coins', 'CONSUMABLE', 'COINS', 'coins_100', hours);
const lifetime = (hours: number) => oneTime('otp_lifetime', 'NON_CONSUMABLE', 'LIFETIME', 'lifetime_unlock', hours);
const propsAfter = (events: ParsedEvent[]) => propertiesOf(foldAll(events), 'toto');

describe('a consumable', () => {
  it('bought alone leaves the user without an active subscription, product or plan', () => {
    expect(propsAfter([event('ACTIVATE', 0, coins(0))])).toMatchObject({
      has_active_subscription: false,
      has_expired_subscription: false,
      product: null,
      plan: null,
      store_product_id: null,
      purchasely_subscription_id: null,
      subscription_status: null,
      purchased_at: null,
      is_auto_renewing: false,
      has_lifetime_access: false,
      last_one_time_purchase_at: T0,
      last_event: 'ACTIVATE',
    });
  });

  it('bought by a lapsed subscriber keeps them not active, with the lapsed subscription as their expired one', () => {
    const lapsed = { subscription_status: 'DEACTIVATED' };
    const props = propsAfter([event('ACTIVATE', 0), event('DEACTIVATE', 1, lapsed), event('ACTIVATE', 5, coins(5)), event('TRANSACTION_PROCESSED', 5, coins(5))]);
    expect(props).toMatchObject({
      has_active_subscription: false,
      has_expired_subscription: true,
      // The lapsed subscription stays the one the subscription properties describe.
      subscription_status: 'DEACTIVATED',
      product: 'PURCHASELY_PLUS',
      plan: 'monthly',
      purchasely_subscription_id: SUB,
      expired_subscription_status: 'DEACTIVATED',
      expired_subscription_plan: 'monthly',
      expired_subscription_offer_type: 'NONE',
      expired_subscription_expired_at: T0 + 1 * HOUR,
      last_one_time_purchase_at: T0 + 5 * HOUR,
      has_lifetime_access: false,
      last_event: 'TRANSACTION_PROCESSED',
    });
  });

  it('bought by an active subscriber replaces neither the product nor the plan', () => {
    const props = propsAfter([event('ACTIVATE', 0), event('ACTIVATE', 3, coins(3))]);
    expect(props).toMatchObject({
      has_active_subscription: true,
      product: 'PURCHASELY_PLUS',
      plan: 'monthly',
      purchasely_subscription_id: SUB,
      purchased_at: 1702390391777,
      last_one_time_purchase_at: T0 + 3 * HOUR,
    });
  });

  it('sets last_one_time_purchase_at to the latest purchase, whichever kind and in any order', () => {
    const events = [event('ACTIVATE', 2, coins(2)), event('ACTIVATE', 7, lifetime(7)), event('ACTIVATE', 4, { ...coins(4), purchasely_one_time_purchase_id: 'otp_coins_2' })];
    expect(propsAfter(events)['last_one_time_purchase_at']).toBe(T0 + 7 * HOUR);
    expect(propsAfter([...events].reverse())['last_one_time_purchase_at']).toBe(T0 + 7 * HOUR);
  });
});

describe('a non-consumable', () => {
  it('gives lifetime access while its latest entitlement event is ACTIVATE, and no active subscription', () => {
    const unlocked = [event('ACTIVATE', 0, lifetime(0))];
    expect(propsAfter(unlocked)).toMatchObject({
      has_lifetime_access: true,
      has_active_subscription: false,
      product: null,
      plan: null,
      last_one_time_purchase_at: T0,
    });
    const revoked = [...unlocked, event('DEACTIVATE', 2, lifetime(0))];
    expect(propsAfter(revoked)).toMatchObject({ has_lifetime_access: false, has_active_subscription: false, last_one_time_purchase_at: T0 });
    expect(propsAfter([...revoked, event('ACTIVATE', 3, lifetime(0))])['has_lifetime_access']).toBe(true);
  });

  it('gives lifetime access next to an active subscription without touching its properties', () => {
    const props = propsAfter([event('ACTIVATE', 0), event('ACTIVATE', 1, lifetime(1))]);
    expect(props).toMatchObject({ has_lifetime_access: true, has_active_subscription: true, plan: 'monthly', product: 'PURCHASELY_PLUS' });
  });
});

describe('a non-renewing subscription', () => {
  const nonRenewing = { purchase_type: 'NON_RENEWING_SUBSCRIPTION', plan: 'pass_30_days', subscription_status: undefined };
  // Deactivated with a lapsed status: it would count as an expired subscription if it still counted.
  const ended = { ...nonRenewing, subscription_status: 'DEACTIVATED' };

  it('counts as an active subscription while it grants access', () => {
    expect(propsAfter([event('ACTIVATE', 0, nonRenewing)])).toMatchObject({
      has_active_subscription: true,
      plan: 'pass_30_days',
      product: 'PURCHASELY_PLUS',
      purchasely_subscription_id: SUB,
      has_lifetime_access: false,
      last_one_time_purchase_at: null,
    });
  });

  it('no longer counts once access ended: neither active nor expired, and its plan is gone', () => {
    const props = propsAfter([event('ACTIVATE', 0, nonRenewing), event('DEACTIVATE', 1, ended)]);
    expect(props).toMatchObject({
      has_active_subscription: false,
      has_expired_subscription: false,
      plan: null,
      product: null,
      subscription_status: null,
      expired_subscription_status: null,
      last_event: 'DEACTIVATE',
    });
  });
});
