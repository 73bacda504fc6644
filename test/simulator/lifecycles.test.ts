import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePurchaselyEvent } from '../../src/purchasely/payload.js';
import { generateLifecycles, purchaselyRetryDelaysMs, compressDelay } from '../../tools/purchasely-simulator/index.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const START = Date.UTC(2026, 0, 1);
const options = { users: 200, seed: 42, startMs: START, speed: 1, sandboxRatio: 0.3 };
const cohort = generateLifecycles(options);
const all = cohort.flatMap((l) => l.events);
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`${PURCHASELY_FIXTURE_DIR}/${name}.json`, 'utf8'));

describe('Purchasely lifecycle generator', () => {
  it('is pure: the same seed gives the same events, another seed other events', () => {
    expect(generateLifecycles(options)).toEqual(cohort);
    const other = generateLifecycles({ ...options, seed: 43 });
    expect(other.flatMap((l) => l.events.map((e) => e.payload.event_id))).not.toEqual(all.map((e) => e.payload.event_id));
  });

  it('gives consecutive cohorts (seed, seed + 1, …) distinct people and event ids', () => {
    const ids = [0, 1, 2].flatMap((k) => generateLifecycles({ ...options, users: 50, seed: 100 + k }).flatMap((l) => l.events.map((e) => e.payload.event_id)));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('produces payloads the bridge accepts, with unique event ids', () => {
    for (const e of all) {
      const parsed = parsePurchaselyEvent(JSON.stringify(e.payload));
      expect(parsed.ok).toBe(true);
    }
    expect(new Set(all.map((e) => e.payload.event_id)).size).toBe(all.length);
  });

  it('shapes payloads like the documented ones: every fixture attribute, dates with _ms twins, amounts on transactions', () => {
    const ignored = new Set(['user_id', 'anonymous_user_id', 'device_id']);
    for (const name of ['ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED']) {
      const documented = Object.keys(fixture(name)).filter((k) => !ignored.has(k));
      const generated = all.find((e) => e.payload.event_name === name && e.payload.purchase_type === 'RENEWING_SUBSCRIPTION')!.payload;
      expect(Object.keys(generated)).toEqual(expect.arrayContaining(documented));
    }
    for (const e of all) {
      const p = e.payload;
      expect(p.api_version).toBe(3);
      expect(p.event_created_at_ms).toBe(e.dueAtMs);
      for (const [key, value] of Object.entries(p)) {
        if (key.endsWith('_ms') && typeof value === 'number') expect(p[key.slice(0, -3)]).toBe(new Date(value).toISOString());
      }
      expect(typeof p.plan_price_in_eur).toBe('number');
      expect(typeof p.cumulated_revenues_in_eur).toBe('number');
      if (p.purchase_type === 'RENEWING_SUBSCRIPTION') {
        expect(p.purchasely_subscription_id).toMatch(/^subs_[A-Za-z0-9]{31}$/);
      } else {
        expect(p.purchasely_one_time_purchase_id).toMatch(/^otp_[A-Za-z0-9]{28}$/);
        expect(p).not.toHaveProperty('purchasely_subscription_id');
      }
      if (p.event_name === 'TRANSACTION_PROCESSED') {
        expect(typeof p.amount_in_eur).toBe('number');
        expect(typeof p.amount_in_customer_currency).toBe('number');
        expect(typeof p.source_event_name).toBe('string');
      }
      expect(Boolean(p.user_id) !== Boolean(p.anonymous_user_id)).toBe(true);
      expect(e.userKey).toBe(p.user_id ?? p.anonymous_user_id);
    }
  });

  it('starts a subscriber with a purchase that emits ACTIVATE, SUBSCRIPTION_STARTED, the offer start and a transaction when paid', () => {
    const subscribers = cohort.filter((l) => l.events.some((e) => e.payload.purchasely_subscription_id));
    expect(subscribers.length).toBeGreaterThan(cohort.length / 2);
    for (const l of subscribers) {
      const first = l.events.slice(0, 4).map((e) => e.payload);
      expect(first[0]!.event_name).toBe('ACTIVATE');
      expect(first[1]!.event_name).toBe('SUBSCRIPTION_STARTED');
      const offer = first[0]!.offer_type;
      if (offer === 'FREE_TRIAL') expect(first[2]!.event_name).toBe('TRIAL_STARTED');
      if (offer === 'INTRO_OFFER') expect(first[2]!.event_name).toBe('INTRO_OFFER_STARTED');
      if (offer === 'NONE') expect(first[2]!.event_name).toBe('TRANSACTION_PROCESSED');
      if (offer === 'FREE_TRIAL') expect(first.slice(0, 3).some((p) => p.event_name === 'TRANSACTION_PROCESSED')).toBe(false);
    }
  });

  it('keeps each lifecycle plausible: conversions follow their start, renewals follow a start, nothing after the end', () => {
    for (const l of cohort) {
      const seen = new Set<string>();
      const terminated = new Set<string>();
      let lastMs = -Infinity;
      for (const e of l.events) {
        const name = String(e.payload.event_name);
        const sub = String(e.payload.purchasely_subscription_id);
        for (const prefix of ['TRIAL', 'INTRO_OFFER', 'PROMO_CODE']) {
          if (name === `${prefix}_CONVERTED` || name === `${prefix}_NOT_CONVERTED`) expect(seen.has(`${sub}:${prefix}_STARTED`)).toBe(true);
        }
        if (name === 'SUBSCRIPTION_RENEWED' || name === 'RENEWAL_DISABLED' || name === 'SUBSCRIPTION_TERMINATED') {
          expect(seen.has(`${sub}:SUBSCRIPTION_STARTED`)).toBe(true);
        }
        if (name === 'SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD' || name === 'GRACE_PERIOD_TERMINATED') expect(seen.has(`${sub}:GRACE_PERIOD_STARTED`)).toBe(true);
        if (name === 'SUBSCRIPTION_RECEIVED') expect(seen.has(`${sub}:SUBSCRIPTION_TRANSFERRED`)).toBe(true);
        seen.add(`${sub}:${name}`);
        // After its termination a subscription sends only DEACTIVATE (other purchases may follow).
        if (terminated.has(sub)) expect(name).toBe('DEACTIVATE');
        if (name === 'SUBSCRIPTION_TERMINATED') terminated.add(sub);
        expect(e.dueAtMs).toBeGreaterThan(lastMs);
        lastMs = e.dueAtMs;
      }
    }
  });

  it('covers the lifecycle the simulator promises across a cohort', () => {
    const seenNames = new Set(all.map((e) => String(e.payload.event_name)));
    for (const name of [
      'TRIAL_STARTED',
      'TRIAL_CONVERTED',
      'TRIAL_NOT_CONVERTED',
      'SUBSCRIPTION_RENEWED',
      'GRACE_PERIOD_STARTED',
      'ENTERED_BILLING_RETRY',
      'RENEWAL_DISABLED',
      'SUBSCRIPTION_TERMINATED',
      'SUBSCRIPTION_REFUNDED_REVOKED',
      'SUBSCRIPTION_TRANSFERRED',
      'SUBSCRIPTION_RECEIVED',
      'DEACTIVATE',
    ]) {
      expect(seenNames.has(name), name).toBe(true);
    }
    expect(seenNames.has('SUBSCRIPTION_UPGRADED') || seenNames.has('SUBSCRIPTION_DOWNGRADED')).toBe(true);
    const refunds = all.filter((e) => e.payload.event_name === 'TRANSACTION_PROCESSED' && e.payload.source_event_name === 'SUBSCRIPTION_REFUNDED_REVOKED');
    expect(refunds.length).toBeGreaterThan(0);
    expect(refunds.every((e) => (e.payload.amount_in_eur as number) < 0)).toBe(true);
  });

  it('turns anonymous people into identified users and mixes sandbox and production as asked', () => {
    const becameIdentified = cohort.filter((l) => l.events.some((e) => e.payload.anonymous_user_id) && l.events.some((e) => e.payload.user_id === l.userId && l.userId));
    expect(becameIdentified.length).toBeGreaterThan(0);
    const sandbox = cohort.filter((l) => l.environment === 'SANDBOX').length / cohort.length;
    expect(sandbox).toBeGreaterThan(0.15);
    expect(sandbox).toBeLessThan(0.45);
    expect(generateLifecycles({ ...options, users: 30, sandboxRatio: 0 }).every((l) => l.events.every((e) => e.payload.environment === 'PRODUCTION'))).toBe(true);
    expect(generateLifecycles({ ...options, users: 30, sandboxRatio: 1 }).every((l) => l.events.every((e) => e.payload.environment === 'SANDBOX'))).toBe(true);
  });

  it('compresses time by the speed: a monthly renewal lands 30 s later at a day per second', () => {
    const fast = generateLifecycles({ ...options, users: 100, speed: 86_400 });
    const renewal = fast.flatMap((l) => l.events).find((e) => e.payload.event_name === 'SUBSCRIPTION_RENEWED' && e.payload.plan === 'monthly' && e.payload.offer_type === 'NONE')!;
    expect(renewal.payload.next_renewal_at_ms as number).toBe((renewal.payload.purchased_at_ms as number) + 30_000);
  });
});

describe('Purchasely retry schedule', () => {
  it('starts at 20 s, 26 s, 46 s, 1 min 56 s and stops at 25 retries of at most 3 d 20 h', () => {
    const delays = purchaselyRetryDelaysMs();
    expect(delays.slice(0, 4)).toEqual([20_000, 26_000, 46_000, 116_000]);
    expect(delays).toHaveLength(25);
    expect(Math.max(...delays)).toBe((3 * 24 + 20) * 3_600_000);
    expect(compressDelay(20_000, 100, 50)).toBe(200);
    expect(compressDelay(20_000, 1_000_000, 50)).toBe(50);
  });
});
