import { describe, expect, it } from 'vitest';
import {
  compareEventKeys,
  eraseUserFromSubscription,
  eventKeyOf,
  foldEvent,
  foldSubscription,
  ownerOf,
  subscriptionIdOf,
  viewSubscription,
  type SubscriptionState,
} from '../../src/state/index.js';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { fixture, parsed, variant } from './helpers.js';

const activate = () => fixture('ACTIVATE');
const fold = (events: ParsedEvent[]) => events.reduce<SubscriptionState | null>((sub, ev) => foldSubscription(sub, ev), null) as SubscriptionState;

describe('compareEventKeys', () => {
  it('orders by time, then category rank, then event id', () => {
    expect(compareEventKeys({ ms: 1, rank: 4, id: 'z' }, { ms: 2, rank: 0, id: 'a' })).toBeLessThan(0);
    expect(compareEventKeys({ ms: 2, rank: 0, id: 'z' }, { ms: 2, rank: 1, id: 'a' })).toBeLessThan(0);
    expect(compareEventKeys({ ms: 2, rank: 1, id: 'b' }, { ms: 2, rank: 1, id: 'a' })).toBeGreaterThan(0);
    expect(compareEventKeys({ ms: 2, rank: 1, id: 'a' }, { ms: 2, rank: 1, id: 'a' })).toBe(0);
  });

  it('compares ids by code unit, not by locale', () => {
    expect(compareEventKeys({ ms: 0, rank: 1, id: 'B' }, { ms: 0, rank: 1, id: 'a' })).toBeLessThan(0);
  });

  it('builds the key of a parsed event from its time, rank and id', () => {
    expect(eventKeyOf(parsed(fixture('TRANSACTION_PROCESSED')))).toEqual({
      ms: 1702390766120,
      rank: 3,
      id: 'a2430cab-b56f-45d6-9268-8f9f35e20b59',
    });
  });
});

describe('subscriptionIdOf', () => {
  it('prefers purchasely_subscription_id, then the one-time purchase id, then the original transaction', () => {
    expect(subscriptionIdOf(parsed(activate()))).toBe('subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe');
    expect(subscriptionIdOf(variant(activate(), { purchasely_subscription_id: null, purchasely_one_time_purchase_id: 'otp_9' }))).toBe('otp_9');
    expect(subscriptionIdOf(variant(activate(), { purchasely_subscription_id: '' }))).toBe('GPA.3355-5688-7970-28037');
    expect(subscriptionIdOf(variant(activate(), { purchasely_subscription_id: undefined, store_original_transaction_id: undefined }))).toBeNull();
  });
});

describe('foldSubscription', () => {
  it('keeps the latest event whole, without event-level noise or the purchase token', () => {
    const sub = fold([variant(activate(), { purchase_token: 'secret-token', amount_in_eur: 3, presentation: 'p' })]);
    const fields = viewSubscription(sub).latest.fields;
    expect(fields).toMatchObject({ plan: 'monthly', subscription_status: 'AUTO_RENEWING', purchased_at_ms: 1702390391777 });
    for (const noise of ['purchase_token', 'event_id', 'event_name', 'user_id', 'amount_in_eur', 'cumulated_revenues_in_eur', 'api_version', 'presentation']) {
      expect(fields, noise).not.toHaveProperty(noise);
    }
    expect(JSON.stringify(sub)).not.toContain('secret-token');
  });

  it('treats a field missing from the latest event as unset, even if an older event had it', () => {
    const older = variant(activate(), { event_id: 'e1', event_created_at_ms: 1, content_id: 'article' });
    const newer = variant(activate(), { event_id: 'e2', event_created_at_ms: 2, content_id: undefined });
    expect(viewSubscription(fold([newer, older])).latest.fields).not.toHaveProperty('content_id');
  });

  it('is unchanged by a retried event', () => {
    const ev = parsed(activate());
    const once = fold([ev]);
    expect(foldSubscription(once, ev)).toEqual(once);
  });

  it('survives a JSON round trip (what a store does)', () => {
    const sub = fold([parsed(activate()), parsed(fixture('TRANSACTION_PROCESSED'))]);
    const reloaded = JSON.parse(JSON.stringify(sub)) as SubscriptionState;
    expect(reloaded).toEqual(sub);
    expect(foldSubscription(reloaded, parsed(fixture('SUBSCRIPTION_STARTED')))).toEqual(foldSubscription(sub, parsed(fixture('SUBSCRIPTION_STARTED'))));
  });

  it('refuses an event of another subscription (a caller bug)', () => {
    const sub = fold([parsed(activate())]);
    expect(() => foldSubscription(sub, variant(activate(), { purchasely_subscription_id: 'subs_other' }))).toThrow(TypeError);
  });

  it('records the environment of the subscription', () => {
    expect(fold([parsed(activate())]).environment).toBe('SANDBOX');
  });
});

describe('ownerOf', () => {
  const base = (changes: Record<string, unknown>) => variant(activate(), changes);
  const transferred = (ms: number, changes: Record<string, unknown> = {}) =>
    base({
      event_name: 'SUBSCRIPTION_TRANSFERRED',
      event_id: `t-${ms}`,
      event_created_at_ms: ms,
      user_id: 'toto',
      transferred_from_user_id: 'toto',
      transferred_to_user_id: 'titi',
      ...changes,
    });

  it('is the user key of the latest event when there is no transfer', () => {
    const anon = parsed(fixture('SUBSCRIPTION_STARTED'));
    expect(ownerOf(fold([anon]))).toBe('5ca811b6-46e9-4847-9381-3911bd5fcd7b');
    expect(ownerOf(fold([parsed(activate()), anon]))).toBe('toto');
  });

  it('is the transfer target when the transfer is the newest event', () => {
    expect(ownerOf(fold([transferred(1702390800000), parsed(activate())]))).toBe('titi');
  });

  it('falls back to the anonymous target when the target has no user id', () => {
    const ev = transferred(1702390800000, { transferred_to_user_id: null, transferred_to_anonymous_user_id: 'anon-titi' });
    expect(ownerOf(fold([parsed(activate()), ev]))).toBe('anon-titi');
  });

  it('ignores the previous owner’s DEACTIVATE sent with the transfer, whatever the order', () => {
    const ms = 1702390800000;
    const deactivateOld = base({ event_name: 'DEACTIVATE', event_id: 'd-old', event_created_at_ms: ms });
    const received = base({
      event_name: 'SUBSCRIPTION_RECEIVED',
      event_id: 'r-new',
      event_created_at_ms: ms,
      user_id: 'titi',
      transferred_from_user_id: 'toto',
      transferred_to_user_id: 'titi',
    });
    const activateNew = base({ event_name: 'ACTIVATE', event_id: 'a-new', event_created_at_ms: ms, user_id: 'titi' });
    for (const order of [
      [parsed(activate()), transferred(ms), deactivateOld, received, activateNew],
      [activateNew, deactivateOld, received, transferred(ms), parsed(activate())],
      [deactivateOld, transferred(ms)],
    ]) {
      const view = viewSubscription(fold(order));
      expect(view.owner).toBe('titi');
      expect(view.entitlement?.name ?? null).not.toBe('DEACTIVATE');
    }
  });

  it('works out the source from a TRANSFERRED event that has no transferred_from fields', () => {
    const ms = 1702390800000;
    const deactivateOld = base({ event_name: 'DEACTIVATE', event_id: 'd-old', event_created_at_ms: ms });
    const ev = transferred(ms, { transferred_from_user_id: undefined });
    expect(ownerOf(fold([ev, deactivateOld]))).toBe('titi');
  });

  it('moves to whoever sends a later event after the transfer', () => {
    const later = base({ event_name: 'SUBSCRIPTION_RENEWED', event_id: 'later', event_created_at_ms: 1702400000000, user_id: 'titi' });
    expect(ownerOf(fold([later, transferred(1702390800000)]))).toBe('titi');
    const third = base({ event_name: 'SUBSCRIPTION_RENEWED', event_id: 'third', event_created_at_ms: 1702400000000, user_id: 'tata' });
    expect(ownerOf(fold([third, transferred(1702390800000)]))).toBe('tata');
  });

  it('follows a transfer back when a newer transfer returns the subscription', () => {
    const there = transferred(1702390800000);
    const back = transferred(1702400000000, {
      event_id: 'back',
      user_id: 'titi',
      transferred_from_user_id: 'titi',
      transferred_to_user_id: 'toto',
    });
    expect(ownerOf(fold([back, there, parsed(activate())]))).toBe('toto');
  });
});

describe('foldEvent', () => {
  it('folds the user and the subscription and names both users when ownership moves', () => {
    const first = foldEvent({ user: null, subscription: null }, parsed(activate()));
    expect(first.ownerAfter).toBe('toto');
    expect(first.affectedUserKeys).toEqual(['toto']);
    const move = variant(activate(), {
      event_name: 'SUBSCRIPTION_RECEIVED',
      event_id: 'recv',
      event_created_at_ms: 1702390800000,
      user_id: 'titi',
      transferred_from_user_id: 'toto',
      transferred_to_user_id: 'titi',
    });
    const second = foldEvent({ user: null, subscription: first.subscription }, move);
    expect(second).toMatchObject({ ownerBefore: 'toto', ownerAfter: 'titi' });
    expect(second.affectedUserKeys.sort()).toEqual(['titi', 'toto']);
    expect(second.user?.userKey).toBe('titi');
  });

  it('leaves the subscription alone for an event that touches none', () => {
    const ev = variant(activate(), { purchasely_subscription_id: undefined, store_original_transaction_id: undefined });
    const result = foldEvent({ user: null, subscription: null }, ev);
    expect(result.subscription).toBeNull();
    expect(result.user?.latestEvent?.name).toBe('ACTIVATE');
  });
});

describe('eraseUserFromSubscription', () => {
  it('drops the erased user’s slice and keeps the other users’ view', () => {
    const anon = parsed(fixture('SUBSCRIPTION_STARTED'));
    const sub = fold([anon, parsed(activate())]);
    const erased = eraseUserFromSubscription(sub, 'toto');
    expect(erased?.users.map((s) => s.userKey)).toEqual(['5ca811b6-46e9-4847-9381-3911bd5fcd7b']);
    expect(JSON.stringify(erased)).not.toContain('"toto"');
    expect(ownerOf(erased as SubscriptionState)).toBe('5ca811b6-46e9-4847-9381-3911bd5fcd7b');
  });

  it('returns null when nothing is left', () => {
    expect(eraseUserFromSubscription(fold([parsed(activate())]), 'toto')).toBeNull();
  });
});
