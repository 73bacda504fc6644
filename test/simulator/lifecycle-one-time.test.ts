import { describe, expect, it } from 'vitest';
import { parsePurchaselyEvent } from '../../src/purchasely/payload.js';
import { generateLifecycle, generateLifecycles, type SimulatedLifecycle } from '../../tools/purchasely-simulator/index.js';

type Payload = Record<string, unknown>;

const START = Date.UTC(2026, 0, 1);
const base = { users: 200, startMs: START, speed: 1, sandboxRatio: 0.2 };
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
// 2 000 people: enough for the rarer paths (a few per cent each) to show up many times.
const people: SimulatedLifecycle[] = SEEDS.flatMap((seed) => generateLifecycles({ ...base, seed }));
const payloads = (l: SimulatedLifecycle): Payload[] => l.events.map((e) => e.payload);
const isSubscription = (p: Payload): boolean => typeof p.purchasely_subscription_id === 'string';
const isOneTime = (p: Payload): boolean => typeof p.purchasely_one_time_purchase_id === 'string';

/** A person's events grouped by purchase (subscription or one-time purchase id), in order. */
function byPurchase(l: SimulatedLifecycle): Map<string, Payload[]> {
  const groups = new Map<string, Payload[]>();
  for (const p of payloads(l)) {
    const id = String(p.purchasely_subscription_id ?? p.purchasely_one_time_purchase_id);
    (groups.get(id) ?? groups.set(id, []).get(id)!).push(p);
  }
  return groups;
}

const oneTimePurchases = people.flatMap((l) => [...byPurchase(l).values()].filter((events) => isOneTime(events[0]!)));
const subscriptions = people.flatMap((l) => [...byPurchase(l).values()].filter((events) => isSubscription(events[0]!)));

describe('Purchasely lifecycle generator: one-time purchases and promotional offers', () => {
  it('gives the same lifecycle for the same seed and index, whatever the cohort size', () => {
    const opts = { ...base, seed: 5 };
    expect(generateLifecycles(opts)).toEqual(generateLifecycles(opts));
    const cohort = generateLifecycles(opts);
    for (const index of [0, 7, 31, 199]) {
      expect(generateLifecycle(opts, index)).toEqual(cohort[index]);
      expect(generateLifecycle({ ...opts, users: index + 1 }, index)).toEqual(cohort[index]);
    }
    expect(generateLifecycle({ ...opts, seed: 6 }, 7)).not.toEqual(cohort[7]);
  });

  it("keeps every person's events strictly increasing in time", () => {
    for (const l of people) {
      for (let i = 0; i < l.events.length; i++) {
        const e = l.events[i]!;
        expect(e.payload.event_created_at_ms).toBe(e.dueAtMs);
        if (i > 0) expect(e.dueAtMs).toBeGreaterThan(l.events[i - 1]!.dueAtMs);
      }
    }
  });

  it('shapes one-time purchases like Purchasely: their own id, no subscription attributes, the purchase time on every event', () => {
    expect(oneTimePurchases.length).toBeGreaterThan(100);
    const transactionIds = new Set<string>();
    for (const events of oneTimePurchases) {
      const activate = events[0]!;
      expect(activate.event_name).toBe('ACTIVATE');
      expect(activate.purchasely_one_time_purchase_id).toMatch(/^otp_[A-Za-z0-9]{28}$/);
      expect(transactionIds.has(String(activate.store_transaction_id))).toBe(false);
      transactionIds.add(String(activate.store_transaction_id));
      for (const p of events) {
        expect(parsePurchaselyEvent(JSON.stringify(p)).ok).toBe(true);
        expect(['CONSUMABLE', 'NON_CONSUMABLE']).toContain(p.purchase_type);
        if (p.purchase_type === 'CONSUMABLE') expect(p).toMatchObject({ product: 'COINS', plan: expect.stringMatching(/^coins_\d+$/) });
        else expect(p).toMatchObject({ product: 'PREMIUM_LIFETIME', plan: 'lifetime', store_product_id: 'com.purchasely.premium.lifetime' });
        expect(p.offer_type).toBe('NONE');
        for (const absent of [
          'purchasely_subscription_id',
          'subscription_status',
          'next_renewal_at',
          'effective_next_renewal_at',
          'grace_period_expires_at',
          'promotional_offer_id',
        ]) {
          expect(p, absent).not.toHaveProperty(absent);
        }
        expect(p.store_original_transaction_id).toBe(activate.store_transaction_id);
        expect(p.store_transaction_id).toBe(activate.store_transaction_id);
        expect(p.purchased_at_ms).toBe(activate.event_created_at_ms);
        expect(p.original_purchased_at_ms).toBe(activate.event_created_at_ms);
        expect(p.purchased_at).toBe(new Date(activate.event_created_at_ms as number).toISOString());
      }
    }
    const coins = oneTimePurchases.find((events) => events[0]!.plan === 'coins_100')![0]!;
    expect(coins).toMatchObject({ purchase_type: 'CONSUMABLE', store_product_id: 'com.purchasely.coins100' });
  });

  it('emits ACTIVATE for a one-time purchase, never a transaction or a subscription event', () => {
    const allowed = new Set(['ACTIVATE', 'DEACTIVATE', 'ONE_TIME_PURCHASE_TRANSFERRED', 'ONE_TIME_PURCHASE_RECEIVED']);
    for (const events of oneTimePurchases) {
      for (const p of events) expect(allowed.has(String(p.event_name)), String(p.event_name)).toBe(true);
    }
    for (const l of people) {
      for (const p of payloads(l)) {
        if (p.event_name === 'TRANSACTION_PROCESSED') expect(isSubscription(p)).toBe(true);
      }
    }
  });

  it('never deactivates a consumable; a non-consumable is deactivated by a refund or a transfer', () => {
    const consumables = oneTimePurchases.filter((events) => events[0]!.purchase_type === 'CONSUMABLE');
    const nonConsumables = oneTimePurchases.filter((events) => events[0]!.purchase_type === 'NON_CONSUMABLE');
    expect(consumables.length).toBeGreaterThan(50);
    expect(nonConsumables.length).toBeGreaterThan(20);
    for (const events of consumables) expect(events.map((p) => p.event_name)).toEqual(['ACTIVATE']);
    let refunds = 0;
    for (const events of nonConsumables) {
      const list = events.map((p) => p.event_name);
      if (list.length === 1) continue;
      if (list.length === 2) {
        expect(list).toEqual(['ACTIVATE', 'DEACTIVATE']);
        refunds += 1;
      } else {
        expect(list).toEqual(['ACTIVATE', 'ONE_TIME_PURCHASE_TRANSFERRED', 'DEACTIVATE', 'ONE_TIME_PURCHASE_RECEIVED', 'ACTIVATE']);
      }
    }
    expect(refunds).toBeGreaterThan(0);
  });

  it('transfers a non-consumable like a subscription: TRANSFERRED + DEACTIVATE to the identified old owner, RECEIVED + ACTIVATE to the new one', () => {
    let transfers = 0;
    for (const l of people) {
      const events = l.events;
      for (let i = 0; i < events.length; i++) {
        if (events[i]!.payload.event_name !== 'ONE_TIME_PURCHASE_TRANSFERRED') continue;
        transfers += 1;
        const [out, deactivate, received, activate] = events.slice(i, i + 4);
        const transfer = { transferred_from_user_id: l.userId, transferred_to_user_id: expect.any(String) };
        expect(out!.payload).toMatchObject({ ...transfer, user_id: l.userId });
        expect(out!.userKey).toBe(l.userId);
        expect(deactivate!.payload).toMatchObject({ event_name: 'DEACTIVATE', user_id: l.userId });
        const to = String(out!.payload.transferred_to_user_id);
        expect(to).not.toBe(l.userId);
        expect(received!.payload).toMatchObject({ event_name: 'ONE_TIME_PURCHASE_RECEIVED', ...transfer, user_id: to });
        expect(activate!.payload).toMatchObject({ event_name: 'ACTIVATE', user_id: to });
        expect([received!.userKey, activate!.userKey]).toEqual([to, to]);
        for (const e of [out, deactivate, received, activate]) {
          expect(e!.payload.purchasely_one_time_purchase_id).toBe(out!.payload.purchasely_one_time_purchase_id);
          expect(e!.payload.purchase_type).toBe('NON_CONSUMABLE');
        }
      }
    }
    expect(transfers).toBeGreaterThan(0);
  });

  it('has people who only buy one-time purchases, and subscribers who buy coins while subscribed or after their subscription ended', () => {
    const oneTimeOnly = people.filter((l) => payloads(l).every(isOneTime));
    expect(oneTimeOnly.length).toBeGreaterThan(people.length * 0.04);
    expect(oneTimeOnly.length).toBeLessThan(people.length * 0.15);

    const whileSubscribed = people.filter((l) => {
      const ps = payloads(l);
      const lastSubscriptionEvent = ps.map(isSubscription).lastIndexOf(true);
      return ps.some((p, i) => p.purchase_type === 'CONSUMABLE' && i < lastSubscriptionEvent);
    });
    expect(whileSubscribed.length).toBeGreaterThan(20);

    const afterTheEnd = people.filter((l) => {
      const ps = payloads(l);
      const end = ps.findIndex((p) => p.event_name === 'SUBSCRIPTION_TERMINATED');
      return end >= 0 && ps.slice(end + 1).some((p) => p.purchase_type === 'CONSUMABLE');
    });
    expect(afterTheEnd.length).toBeGreaterThan(20);
    // Subscriptions stay the bulk of the traffic.
    const all = people.flatMap(payloads);
    expect(all.filter(isSubscription).length).toBeGreaterThan(all.length * 0.9);
  });

  it('offers promotional offers: the id is carried while the offer runs and disappears after its conversion', () => {
    let converted = 0;
    let notConverted = 0;
    for (const events of subscriptions) {
      const started = events.findIndex((p) => p.event_name === 'PROMOTIONAL_OFFER_STARTED');
      if (started < 0) {
        for (const p of events) expect(p).not.toHaveProperty('promotional_offer_id');
        continue;
      }
      const id = events[started]!.promotional_offer_id;
      expect(id).toMatch(/^promo_[a-z0-9_]+$/);
      // The offer starts with a renewal at its price: that renewal carries the offer already.
      const startOfOffer = events.findLastIndex((p, i) => i < started && p.event_name === 'SUBSCRIPTION_RENEWED');
      expect(startOfOffer).toBeGreaterThan(0);
      for (const p of events.slice(0, startOfOffer)) expect(p).not.toHaveProperty('promotional_offer_id');
      const end = events.findIndex((p) => p.event_name === 'PROMOTIONAL_OFFER_CONVERTED' || p.event_name === 'PROMOTIONAL_OFFER_NOT_CONVERTED');
      expect(end).toBeGreaterThan(started);
      for (const p of events.slice(startOfOffer, end)) expect(p).toMatchObject({ offer_type: 'PROMOTIONAL_OFFER', promotional_offer_id: id });
      if (events[end]!.event_name === 'PROMOTIONAL_OFFER_CONVERTED') {
        converted += 1;
        expect(events[end]).toMatchObject({ offer_type: 'NONE', previous_offer_type: 'PROMOTIONAL_OFFER' });
        for (const p of events.slice(end)) {
          expect(p.offer_type).toBe('NONE');
          expect(p).not.toHaveProperty('promotional_offer_id');
        }
      } else {
        notConverted += 1;
        expect(events.slice(end).map((p) => p.event_name)).toEqual(['PROMOTIONAL_OFFER_NOT_CONVERTED', 'SUBSCRIPTION_TERMINATED', 'DEACTIVATE']);
      }
    }
    expect(converted).toBeGreaterThan(10);
    expect(notConverted).toBeGreaterThan(5);
  });

  it('drops grace_period_expires_at once a grace period is over, and sends effective_next_renewal_at null after a termination', () => {
    let recoveries = 0;
    let terminations = 0;
    for (const events of subscriptions) {
      let terminated = false;
      for (const p of events) {
        if (p.event_name === 'SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD') recoveries += 1;
        expect('grace_period_expires_at' in p, String(p.event_name)).toBe(p.subscription_status === 'IN_GRACE_PERIOD');
        if (p.event_name === 'SUBSCRIPTION_TERMINATED') {
          terminated = true;
          terminations += 1;
        }
        if (terminated) expect(p).toMatchObject({ effective_next_renewal_at: null, effective_next_renewal_at_ms: null });
      }
    }
    expect(recoveries).toBeGreaterThan(10);
    expect(terminations).toBeGreaterThan(100);
  });
});
