/**
 * `has_expired_subscription` and the `expired_subscription_*` group: a subscription without
 * access whose status is ON_HOLD, DEACTIVATED, REVOKED, PAUSED, UNPAID or CANCELED has lapsed;
 * the group describes the latest lapsed one, `expired_at` being its latest ACTIVATE/DEACTIVATE
 * time, else its latest event time. Events are variations of the documented payloads.
 */
import { describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { fixture, foldAll, propertiesOf, variant } from './helpers.js';

const T0 = 1702390766120; // the documented ACTIVATE's event_created_at_ms
const HOUR = 3_600_000;

/** An event `hours` after the documented ACTIVATE, about its subscription unless `changes` say otherwise. */
function event(name: string, hours: number, changes: Record<string, unknown> = {}): ParsedEvent {
  const ms = T0 + hours * HOUR;
  return variant(fixture('ACTIVATE'), {
    event_id: `${name.toLowerCase()}-${hours}-${String(changes['purchasely_subscription_id'] ?? 'main')}`,
    event_name: name,
    event_created_at_ms: ms,
    event_created_at: new Date(ms).toISOString(),
    ...changes,
  });
}

const propsAfter = (events: ParsedEvent[]) => propertiesOf(foldAll(events), 'toto');

const NO_EXPIRED = {
  has_expired_subscription: false,
  expired_subscription_status: null,
  expired_subscription_plan: null,
  expired_subscription_offer_type: null,
  expired_subscription_expired_at: null,
};

describe('an expired subscription', () => {
  it.each(['ON_HOLD', 'DEACTIVATED', 'REVOKED', 'PAUSED', 'UNPAID', 'CANCELED'])('is one deactivated with status %s, and the expired group describes it', (status) => {
    const props = propsAfter([event('ACTIVATE', 0), event('DEACTIVATE', 2, { subscription_status: status, offer_type: 'INTRO_OFFER' })]);
    expect(props).toMatchObject({
      has_active_subscription: false,
      has_expired_subscription: true,
      expired_subscription_status: status,
      expired_subscription_plan: 'monthly',
      expired_subscription_offer_type: 'INTRO_OFFER',
      expired_subscription_expired_at: T0 + 2 * HOUR,
    });
  });

  it.each(['AUTO_RENEWING', 'AUTO_RENEWING_CANCELED', 'IN_GRACE_PERIOD'])('is not one deactivated with status %s', (status) => {
    expect(propsAfter([event('ACTIVATE', 0), event('DEACTIVATE', 2, { subscription_status: status })])).toMatchObject({
      has_active_subscription: false,
      ...NO_EXPIRED,
    });
  });

  it('is not one that still grants access, whatever its status says', () => {
    expect(propsAfter([event('ACTIVATE', 0, { subscription_status: 'ON_HOLD' })])).toMatchObject({ has_active_subscription: true, ...NO_EXPIRED });
  });

  it('lost access when it was deactivated, not at a later event', () => {
    const lapsed = { subscription_status: 'DEACTIVATED' };
    const props = propsAfter([event('ACTIVATE', 0), event('DEACTIVATE', 1, lapsed), event('SUBSCRIPTION_TERMINATED', 3, lapsed)]);
    expect(props).toMatchObject({ last_event: 'SUBSCRIPTION_TERMINATED', expired_subscription_expired_at: T0 + 1 * HOUR });
  });

  it('without any ACTIVATE or DEACTIVATE lost access at its latest event', () => {
    const unpaid = variant(fixture('SUBSCRIPTION_STARTED'), { user_id: 'toto', subscription_status: 'UNPAID' });
    expect(propsAfter([unpaid])).toMatchObject({
      has_active_subscription: false,
      has_expired_subscription: true,
      expired_subscription_status: 'UNPAID',
      expired_subscription_plan: 'monthly',
      expired_subscription_offer_type: 'NONE',
      expired_subscription_expired_at: 1702389064953,
    });
  });

  it('is the latest of several lapsed subscriptions, next to an active one that stays primary', () => {
    const a = { purchasely_subscription_id: 'subs_a', plan: 'weekly', subscription_status: 'REVOKED', offer_type: 'NONE' };
    const b = { purchasely_subscription_id: 'subs_b', plan: 'yearly', subscription_status: 'PAUSED', offer_type: 'FREE_TRIAL' };
    const c = { purchasely_subscription_id: 'subs_c', plan: 'monthly', subscription_status: 'AUTO_RENEWING' };
    const events = [event('ACTIVATE', 0, a), event('ACTIVATE', 0, b), event('DEACTIVATE', 1, a), event('DEACTIVATE', 2, b), event('ACTIVATE', 3, c)];
    const expected = {
      has_active_subscription: true,
      plan: 'monthly',
      purchasely_subscription_id: 'subs_c',
      has_expired_subscription: true,
      expired_subscription_status: 'PAUSED',
      expired_subscription_plan: 'yearly',
      expired_subscription_offer_type: 'FREE_TRIAL',
      expired_subscription_expired_at: T0 + 2 * HOUR,
    };
    expect(propsAfter(events)).toMatchObject(expected);
    expect(propsAfter([...events].reverse())).toMatchObject(expected);
  });

  it('is forgotten once the subscription is active again', () => {
    const props = propsAfter([event('ACTIVATE', 0), event('DEACTIVATE', 1, { subscription_status: 'ON_HOLD' }), event('ACTIVATE', 2)]);
    expect(props).toMatchObject({ has_active_subscription: true, ...NO_EXPIRED });
  });
});
