import {
  APP_BUNDLE_ID,
  CONSUMABLES,
  DEVICE_TYPES,
  MARKETS,
  NON_CONSUMABLES,
  OFFER_EVENT_PREFIX,
  OFFER_WEIGHTS,
  PLAN_WEIGHTS,
  PLANS,
  PRODUCT,
  PROMOTIONAL_OFFER_IDS,
  STORE_WEIGHTS,
  type SimulatedOffer,
  type SimulatedOneTimeItem,
  type SimulatedPlan,
  type SimulatedStore,
} from './catalog.js';
import { createRandom, deriveSeed, type Random } from './random.js';

const DAY = 86_400_000;

/** One server event as the simulator will post it, with when it is due. */
export interface SimulatedEvent {
  /** Wall-clock time (epoch ms) at which Purchasely would send it: its `event_created_at_ms`. */
  dueAtMs: number;
  /** `user_id`, else `anonymous_user_id`: the key Purchasely orders a user's stream by. */
  userKey: string;
  payload: Record<string, unknown>;
}

/** Everything one simulated person's purchases produced, oldest first. */
export interface SimulatedLifecycle {
  /** Index of the person in the cohort. */
  index: number;
  anonymousUserId: string;
  userId: string | null;
  environment: 'SANDBOX' | 'PRODUCTION';
  events: SimulatedEvent[];
}

export interface LifecycleOptions {
  /** How many people (each with one purchase history). */
  users: number;
  /** Same seed and options, same lifecycles (event ids included). */
  seed: number;
  /** Wall-clock start of the cohort (epoch ms). */
  startMs: number;
  /** Time compression: simulated milliseconds per wall-clock millisecond (86 400 = a day per second). */
  speed: number;
  /** Share of people in Purchasely's SANDBOX environment (0–1). */
  sandboxRatio: number;
  /** People make their first purchase within this many simulated days (default 30). */
  spreadDays?: number;
  /** At most this many renewal periods per subscription (default 12). */
  maxPeriods?: number;
  /** No renewal or new purchase later than this many simulated days after the first purchase (default 400). */
  horizonDays?: number;
  /** Prefix of generated user ids (lets cohorts of a continuous run stay distinct). */
  idPrefix?: string;
}

/*
 * How often each behaviour happens. Subscriptions stay the bulk of the traffic; one-time
 * purchases and promotional offers are a minority that still shows up in every cohort of a
 * few hundred people (README.md gives the resulting mix).
 */
/** Share of people who only ever make one-time purchases and never subscribe. */
const ONE_TIME_ONLY_SHARE = 0.08;
/** Chance, per renewal period, that a subscriber buys coins during it. */
const COINS_WHILE_SUBSCRIBED = 0.04;
/** Chance that someone whose subscription ended comes back for one-time purchases. */
const ONE_TIME_AFTER_LAPSE = 0.25;
/** What becomes of a lifetime unlock (a transfer needs an identified owner, else it is kept). */
const NON_CONSUMABLE_FATES = [
  ['kept', 0.75],
  ['refunded', 0.15],
  ['transferred', 0.1],
] as const;
/** Share of renewal rolls, above the transfer's, that become a retention promotional offer. */
const RETENTION_OFFER_ROLL: readonly [number, number] = [0.215, 0.235];

interface Person {
  anonymousUserId: string;
  userId: string | null;
  identified: boolean;
  /** Becomes identified right after the first purchase (of any kind). */
  identifiesAfterPurchase: boolean;
  environment: 'SANDBOX' | 'PRODUCTION';
  market: (typeof MARKETS)[number];
  deviceType: string;
  deviceId: string | null;
  /** The store of every purchase of this person (one device, one store). */
  store: SimulatedStore;
  /** Sum of the person's TRANSACTION_PROCESSED amounts (one-time purchases emit none). */
  cumulatedEur: number;
  /** A person buys the lifetime unlock at most once. */
  boughtNonConsumable: boolean;
}

interface Subscription {
  id: string;
  store: SimulatedStore;
  plan: SimulatedPlan;
  previousPlan: string | null;
  offer: SimulatedOffer;
  previousOffer: SimulatedOffer;
  /** Set while `offer` is PROMOTIONAL_OFFER, and only then. */
  promotionalOfferId: string | null;
  hadPromotionalOffer: boolean;
  originalTransactionId: string;
  transactionId: string;
  transactions: number;
  /** Simulated ms. */
  originalPurchasedAt: number;
  purchasedAt: number;
  periodEnd: number;
  status: string;
  autoRenewing: boolean;
  graceExpiresAt: number | null;
}

interface OneTimePurchase {
  id: string;
  item: SimulatedOneTimeItem;
  store: SimulatedStore;
  /** One store transaction: also the original one. */
  transactionId: string;
  /** Wall-clock ms of its ACTIVATE: its `purchased_at` and `original_purchased_at`. */
  purchasedAtMs: number;
}

/** A person's event stream while it is generated: the simulated clock and the stamping rule. */
interface Timeline {
  rng: Random;
  person: Person;
  /** Simulated ms of the action being emitted. */
  at: number;
  /** Wall-clock ms of the last event: the next one is strictly later. */
  lastMs: number;
  events: SimulatedEvent[];
  wall: (simMs: number) => number;
  /** No renewal and no new purchase after this simulated time. */
  horizon: number;
  /** Makes up the user a purchase is transferred to. */
  newOwnerId: () => string;
}

/** A user other than the person (the receiver of a transfer). */
interface Owner {
  userId: string;
}

type SubscriptionOutcome = 'active' | 'ended' | 'transferred';

const round2 = (n: number): number => Math.round(n * 100) / 100;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Generates realistic purchase lifecycles (pure: a function of the options only).
 * Most people buy one subscription — sometimes after a free trial, an intro offer or a promo
 * code — then renew, hit billing issues (grace period, billing retry), cancel, get refunded,
 * change plan, accept a retention promotional offer or transfer it; some also buy coins
 * (consumables) while subscribed or after their subscription ended, or a lifetime unlock
 * (non-consumable) that may be refunded or transferred. A few people only ever make one-time
 * purchases. Anonymous people may become identified. One store action emits several events
 * (e.g. ACTIVATE + SUBSCRIPTION_STARTED + TRIAL_STARTED), stamped a millisecond apart, in the
 * order Purchasely sends them.
 */
export function generateLifecycles(opts: LifecycleOptions): SimulatedLifecycle[] {
  return Array.from({ length: opts.users }, (_, i) => generateLifecycle(opts, i));
}

/** The lifecycle of person `index` of a cohort (independent of the other people). */
export function generateLifecycle(opts: LifecycleOptions, index: number): SimulatedLifecycle {
  const rng = createRandom(deriveSeed(opts.seed, index));
  const speed = opts.speed > 0 ? opts.speed : 1;
  const prefix = opts.idPrefix ?? `sim${opts.seed}`;
  const identification = rng.weighted([
    ['from_start', 0.45],
    ['after_purchase', 0.3],
    ['never', 0.25],
  ] as const);
  const person: Person = {
    anonymousUserId: rng.uuid(),
    userId: identification === 'never' ? null : `${prefix}_user_${index}_${rng.hex(6)}`,
    identified: identification === 'from_start',
    identifiesAfterPurchase: identification === 'after_purchase',
    environment: rng.chance(opts.sandboxRatio) ? 'SANDBOX' : 'PRODUCTION',
    market: rng.pick(MARKETS),
    deviceType: rng.pick(DEVICE_TYPES),
    deviceId: rng.chance(0.5) ? rng.hex(16) : null,
    store: rng.weighted(STORE_WEIGHTS),
    cumulatedEur: 0,
    boughtNonConsumable: false,
  };
  const oneTimeOnly = rng.chance(ONE_TIME_ONLY_SHARE);
  const firstPurchase = rng.next() * (opts.spreadDays ?? 30) * DAY;
  const t: Timeline = {
    rng,
    person,
    at: firstPurchase,
    lastMs: 0,
    events: [],
    wall: (simMs) => opts.startMs + Math.round(simMs / speed),
    horizon: firstPurchase + (opts.horizonDays ?? 400) * DAY,
    newOwnerId: () => `${prefix}_user_${index}_t${rng.hex(6)}`,
  };

  if (oneTimeOnly) {
    buyOneTimePurchases(t, rng.int(1, 4), 0.35);
  } else {
    const outcome = runSubscription(t, startSubscription(rng, person.store, firstPurchase), opts.maxPeriods ?? 12);
    if (outcome === 'ended' && rng.chance(ONE_TIME_AFTER_LAPSE)) {
      t.at += (1 + rng.next() * 59) * DAY;
      buyOneTimePurchases(t, rng.int(1, 3), 0.3);
    }
  }
  return { index, anonymousUserId: person.anonymousUserId, userId: person.userId, environment: person.environment, events: t.events };
}

/** The next wall-clock ms of the person's stream: `t.at` compressed, strictly after the last event. */
function stamp(t: Timeline): number {
  const ms = Math.max(t.wall(t.at), t.lastMs + 1);
  t.lastMs = ms;
  return ms;
}

function record(t: Timeline, ms: number, payload: Record<string, unknown>, owner: Owner | undefined): void {
  const { person } = t;
  const userKey = owner?.userId ?? (person.identified && person.userId ? person.userId : person.anonymousUserId);
  t.events.push({ dueAtMs: ms, userKey, payload });
}

function markPurchased(person: Person): void {
  if (person.identifiesAfterPurchase) person.identified = true;
}

/**
 * One subscription from its purchase to its end (or to the last period within the limits).
 * Returns how it stopped: `ended` (terminated or refunded), `transferred`, or still `active`.
 */
function runSubscription(t: Timeline, sub: Subscription, maxPeriods: number): SubscriptionOutcome {
  const { rng, person } = t;
  const emit = (name: string, extra: Record<string, unknown> = {}, owner?: Owner): void => {
    const ms = stamp(t);
    record(t, ms, subscriptionPayload(t, name, ms, sub, extra, owner), owner);
  };
  const charge = (source: string, amountEur: number): void => {
    person.cumulatedEur = round2(person.cumulatedEur + amountEur);
    emit('TRANSACTION_PROCESSED', {
      amount_in_eur: amountEur,
      amount_in_customer_currency: round2(amountEur * person.market.perEur),
      source_event_name: source,
    });
  };
  const newTransaction = (): void => {
    sub.transactions += 1;
    sub.transactionId = nextTransactionId(rng, sub);
  };
  const startPeriod = (days: number): void => {
    sub.purchasedAt = t.at;
    sub.periodEnd = t.at + days * DAY;
  };
  const terminate = (status: string): void => {
    sub.status = status;
    sub.autoRenewing = false;
    emit('SUBSCRIPTION_TERMINATED');
    emit('DEACTIVATE');
  };
  /** The end of the current offer period: conversion to the full price, or the end. False when it ended. */
  const endOffer = (): boolean => {
    const offerPrefix = OFFER_EVENT_PREFIX[sub.offer as Exclude<SimulatedOffer, 'NONE'>];
    if (rng.chance(0.65)) {
      t.at = sub.periodEnd;
      sub.previousOffer = sub.offer;
      sub.offer = 'NONE';
      // The offer is over: later events carry no promotional_offer_id.
      sub.promotionalOfferId = null;
      newTransaction();
      startPeriod(sub.plan.periodDays);
      emit(`${offerPrefix}_CONVERTED`, { previous_offer_type: sub.previousOffer });
      emit('SUBSCRIPTION_RENEWED');
      emit('ACTIVATE');
      charge('SUBSCRIPTION_RENEWED', sub.plan.priceEur);
      return true;
    }
    t.at = sub.purchasedAt + (sub.periodEnd - sub.purchasedAt) * rng.next();
    sub.status = 'AUTO_RENEWING_CANCELED';
    sub.autoRenewing = false;
    emit('RENEWAL_DISABLED');
    t.at = sub.periodEnd;
    sub.status = 'DEACTIVATED';
    emit(`${offerPrefix}_NOT_CONVERTED`);
    emit('SUBSCRIPTION_TERMINATED');
    emit('DEACTIVATE');
    return false;
  };

  // --- purchase -------------------------------------------------------------------------
  const trialDays = sub.offer === 'FREE_TRIAL' ? 7 : sub.plan.periodDays;
  startPeriod(trialDays);
  emit('ACTIVATE');
  emit('SUBSCRIPTION_STARTED');
  if (sub.offer !== 'NONE') emit(`${OFFER_EVENT_PREFIX[sub.offer]}_STARTED`);
  if (sub.offer !== 'FREE_TRIAL') {
    charge('SUBSCRIPTION_STARTED', sub.offer === 'NONE' ? sub.plan.priceEur : round2(sub.plan.priceEur / 2));
  }
  markPurchased(person);

  // --- end of the offer -----------------------------------------------------------------
  if (sub.offer !== 'NONE' && !endOffer()) return 'ended';

  // --- renewals and what can happen on the way ------------------------------------------
  const periods = rng.int(1, maxPeriods);
  for (let period = 0; period < periods && sub.periodEnd <= t.horizon; period++) {
    const roll = rng.next();
    const midPeriod = sub.purchasedAt + (sub.periodEnd - sub.purchasedAt) * (0.2 + 0.6 * rng.next());
    if (rng.chance(COINS_WHILE_SUBSCRIBED)) {
      // Coins bought while subscribed, before anything else happens in the period.
      t.at = Math.max(t.at, sub.purchasedAt + (midPeriod - sub.purchasedAt) * rng.next());
      buyOneTime(t, rng.pick(CONSUMABLES));
    }
    if (roll < 0.06) {
      // Billing issue: grace period, then recovery or billing retry.
      t.at = sub.periodEnd;
      sub.status = 'IN_GRACE_PERIOD';
      sub.graceExpiresAt = t.at + 6 * DAY;
      emit('GRACE_PERIOD_STARTED');
      if (rng.chance(0.6)) {
        t.at += rng.int(1, 5) * DAY;
        sub.status = 'AUTO_RENEWING';
        // Recovered: later events carry no grace_period_expires_at.
        sub.graceExpiresAt = null;
        newTransaction();
        startPeriod(sub.plan.periodDays);
        emit('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD');
        charge('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD', sub.plan.priceEur);
        continue;
      }
      t.at = sub.graceExpiresAt;
      sub.graceExpiresAt = null;
      sub.status = 'ON_HOLD';
      emit('GRACE_PERIOD_TERMINATED');
      emit('ENTERED_BILLING_RETRY');
      emit('DEACTIVATE');
      if (rng.chance(0.4)) {
        t.at += rng.int(1, 20) * DAY;
        sub.status = 'AUTO_RENEWING';
        newTransaction();
        startPeriod(sub.plan.periodDays);
        emit('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY');
        emit('ACTIVATE');
        charge('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY', sub.plan.priceEur);
        continue;
      }
      t.at += 30 * DAY;
      sub.status = 'DEACTIVATED';
      sub.autoRenewing = false;
      emit('SUBSCRIPTION_TERMINATED');
      return 'ended';
    }
    if (roll < 0.14) {
      // Cancellation: auto-renewal switched off, sometimes back on.
      t.at = midPeriod;
      sub.status = 'AUTO_RENEWING_CANCELED';
      sub.autoRenewing = false;
      emit('RENEWAL_DISABLED');
      if (rng.chance(0.25)) {
        t.at = midPeriod + (sub.periodEnd - midPeriod) / 2;
        sub.status = 'AUTO_RENEWING';
        sub.autoRenewing = true;
        emit('RENEWAL_ENABLED');
      } else {
        t.at = sub.periodEnd;
        terminate('DEACTIVATED');
        return 'ended';
      }
    } else if (roll < 0.16) {
      // Refund: access revoked at once, a negative transaction.
      t.at = midPeriod;
      sub.status = 'REVOKED';
      sub.autoRenewing = false;
      emit('SUBSCRIPTION_REFUNDED_REVOKED');
      emit('DEACTIVATE');
      charge('SUBSCRIPTION_REFUNDED_REVOKED', -sub.plan.priceEur);
      return 'ended';
    } else if (roll < 0.2) {
      // Plan change, effective at once with a new transaction.
      t.at = midPeriod;
      const others = PLANS.filter((p) => p.id !== sub.plan.id);
      const next = rng.pick(others);
      const name = next.priceEur / next.periodDays > sub.plan.priceEur / sub.plan.periodDays ? 'SUBSCRIPTION_UPGRADED' : 'SUBSCRIPTION_DOWNGRADED';
      sub.previousPlan = sub.plan.id;
      sub.plan = next;
      newTransaction();
      startPeriod(next.periodDays);
      emit(name);
      emit('ACTIVATE');
      charge(name, next.priceEur);
      continue;
    } else if (roll < 0.215 && person.userId !== null && person.identified) {
      // Transfer to another user of the app (restore on another account).
      t.at = midPeriod;
      const from = person.userId;
      const to = t.newOwnerId();
      const transfer = { transferred_from_user_id: from, transferred_to_user_id: to };
      emit('SUBSCRIPTION_TRANSFERRED', transfer);
      emit('DEACTIVATE');
      emit('SUBSCRIPTION_RECEIVED', transfer, { userId: to });
      emit('ACTIVATE', {}, { userId: to });
      return 'transferred';
    } else if (roll >= RETENTION_OFFER_ROLL[0] && roll < RETENTION_OFFER_ROLL[1] && !sub.hadPromotionalOffer) {
      // Retention: auto-renewal switched off, then back on with a promotional offer (half
      // price for the next period), which then converts or not like any offer.
      t.at = midPeriod;
      sub.status = 'AUTO_RENEWING_CANCELED';
      sub.autoRenewing = false;
      emit('RENEWAL_DISABLED');
      t.at = midPeriod + (sub.periodEnd - midPeriod) / 2;
      sub.status = 'AUTO_RENEWING';
      sub.autoRenewing = true;
      emit('RENEWAL_ENABLED');
      t.at = sub.periodEnd;
      sub.hadPromotionalOffer = true;
      sub.previousOffer = sub.offer;
      sub.offer = 'PROMOTIONAL_OFFER';
      sub.promotionalOfferId = rng.pick(PROMOTIONAL_OFFER_IDS);
      newTransaction();
      startPeriod(sub.plan.periodDays);
      emit('SUBSCRIPTION_RENEWED');
      emit('ACTIVATE');
      emit('PROMOTIONAL_OFFER_STARTED');
      charge('SUBSCRIPTION_RENEWED', round2(sub.plan.priceEur / 2));
      if (!endOffer()) return 'ended';
      continue;
    }
    // Renewal at the end of the period.
    t.at = sub.periodEnd;
    newTransaction();
    startPeriod(sub.plan.periodDays);
    emit('SUBSCRIPTION_RENEWED');
    emit('ACTIVATE');
    charge('SUBSCRIPTION_RENEWED', sub.plan.priceEur);
  }
  return 'active';
}

/**
 * `count` one-time purchases from `t.at` on, one to forty days apart: coins, or (with
 * `nonConsumableChance`, once per person) the lifetime unlock, which may be refunded
 * (DEACTIVATE) or transferred to another user before the next purchase.
 */
function buyOneTimePurchases(t: Timeline, count: number, nonConsumableChance: number): void {
  const { rng, person } = t;
  for (let i = 0; i < count; i++) {
    if (i > 0) t.at += (1 + rng.next() * 39) * DAY;
    if (t.at > t.horizon) return;
    if (person.boughtNonConsumable || !rng.chance(nonConsumableChance)) {
      buyOneTime(t, rng.pick(CONSUMABLES));
      continue;
    }
    person.boughtNonConsumable = true;
    const otp = buyOneTime(t, rng.pick(NON_CONSUMABLES));
    const fate = rng.weighted(NON_CONSUMABLE_FATES);
    if (fate === 'refunded') {
      t.at += (1 + rng.next() * 13) * DAY;
      emitOneTime(t, otp, 'DEACTIVATE');
    } else if (fate === 'transferred' && person.userId !== null && person.identified) {
      // Same shape as a subscription transfer: the old owner loses it, the new one gets it.
      t.at += (5 + rng.next() * 55) * DAY;
      const to = t.newOwnerId();
      const transfer = { transferred_from_user_id: person.userId, transferred_to_user_id: to };
      emitOneTime(t, otp, 'ONE_TIME_PURCHASE_TRANSFERRED', transfer);
      emitOneTime(t, otp, 'DEACTIVATE');
      emitOneTime(t, otp, 'ONE_TIME_PURCHASE_RECEIVED', transfer, { userId: to });
      emitOneTime(t, otp, 'ACTIVATE', {}, { userId: to });
    }
  }
}

/** A one-time purchase at `t.at`: ACTIVATE only (TRANSACTION_PROCESSED is for subscriptions). */
function buyOneTime(t: Timeline, item: SimulatedOneTimeItem): OneTimePurchase {
  const { rng, person } = t;
  const id = `otp_${rng.alphanumeric(28)}`;
  const transactionId = oneTimeTransactionIdFor(rng, person.store);
  const ms = stamp(t);
  const otp: OneTimePurchase = { id, item, store: person.store, transactionId, purchasedAtMs: ms };
  record(t, ms, oneTimePayload(t, 'ACTIVATE', ms, otp, {}, undefined), undefined);
  markPurchased(person);
  return otp;
}

function emitOneTime(t: Timeline, otp: OneTimePurchase, name: string, extra: Record<string, unknown> = {}, owner?: Owner): void {
  const ms = stamp(t);
  record(t, ms, oneTimePayload(t, name, ms, otp, extra, owner), owner);
}

function startSubscription(rng: Random, store: SimulatedStore, startSim: number): Subscription {
  const originalTransactionId = originalTransactionIdFor(rng, store);
  return {
    id: `subs_${rng.alphanumeric(31)}`,
    store,
    plan: rng.weighted(PLAN_WEIGHTS),
    previousPlan: null,
    offer: rng.weighted(OFFER_WEIGHTS),
    previousOffer: 'NONE',
    promotionalOfferId: null,
    hadPromotionalOffer: false,
    originalTransactionId,
    transactionId: originalTransactionId,
    transactions: 0,
    originalPurchasedAt: startSim,
    purchasedAt: startSim,
    periodEnd: startSim,
    status: 'AUTO_RENEWING',
    autoRenewing: true,
    graceExpiresAt: null,
  };
}

/** Store-shaped ids: Google `GPA.1234-5678-9012-34567`, Apple 15 digits, Stripe `sub_…`. */
function originalTransactionIdFor(rng: Random, store: SimulatedStore): string {
  if (store === 'GOOGLE_PLAY_STORE') return googleOrderId(rng);
  if (store === 'APPLE_APP_STORE') return `2000000${rng.digits(8)}`;
  return `sub_${rng.alphanumeric(24)}`;
}

/** Google numbers renewals `<original>..N`; Apple and Stripe make a new id per transaction. */
function nextTransactionId(rng: Random, sub: Subscription): string {
  if (sub.store === 'GOOGLE_PLAY_STORE') return `${sub.originalTransactionId}..${sub.transactions - 1}`;
  if (sub.store === 'APPLE_APP_STORE') return `2000000${rng.digits(8)}`;
  return `in_${rng.alphanumeric(24)}`;
}

/** A one-time purchase's single transaction: Google order id, Apple 15 digits, Stripe `pi_…`. */
function oneTimeTransactionIdFor(rng: Random, store: SimulatedStore): string {
  if (store === 'GOOGLE_PLAY_STORE') return googleOrderId(rng);
  if (store === 'APPLE_APP_STORE') return `2000000${rng.digits(8)}`;
  return `pi_${rng.alphanumeric(24)}`;
}

function googleOrderId(rng: Random): string {
  return `GPA.${rng.digits(4)}-${rng.digits(4)}-${rng.digits(4)}-${rng.digits(5)}`;
}

function dateFields(name: string, ms: number | null): Record<string, unknown> {
  return ms === null ? { [name]: null, [`${name}_ms`]: null } : { [name]: iso(ms), [`${name}_ms`]: ms };
}

/** `user_id` of the receiver of a transfer, else the person's `user_id` once identified, else `anonymous_user_id`. */
function whoOf(person: Person, owner: Owner | undefined): Record<string, unknown> {
  if (owner) return { user_id: owner.userId };
  return person.identified && person.userId ? { user_id: person.userId } : { anonymous_user_id: person.anonymousUserId };
}

/** Attributes every payload of the person carries, whatever was bought. */
function commonFields(t: Timeline, name: string, ms: number, owner: Owner | undefined): Record<string, unknown> {
  const { person } = t;
  return {
    api_version: 3,
    event_id: t.rng.uuid(),
    event_name: name,
    ...dateFields('event_created_at', ms),
    ...whoOf(person, owner),
  };
}

function subscriptionPayload(t: Timeline, name: string, ms: number, sub: Subscription, extra: Record<string, unknown>, owner: Owner | undefined): Record<string, unknown> {
  const { person, wall } = t;
  const priceCustomer = round2(sub.plan.priceEur * person.market.perEur);
  return {
    ...commonFields(t, name, ms, owner),
    plan: sub.plan.id,
    store: sub.store,
    product: PRODUCT,
    offer_type: sub.offer,
    previous_offer_type: sub.previousOffer,
    ...(sub.promotionalOfferId !== null ? { promotional_offer_id: sub.promotionalOfferId } : {}),
    ...(person.deviceId ? { device_id: person.deviceId } : {}),
    device_type: person.deviceType,
    environment: person.environment,
    purchase_type: 'RENEWING_SUBSCRIPTION',
    store_country: person.market.country,
    is_family_shared: false,
    store_product_id: `com.purchasely.plus.${sub.plan.id}`,
    store_app_bundle_id: APP_BUNDLE_ID,
    customer_currency: person.market.currency,
    plan_price_in_eur: sub.plan.priceEur,
    plan_price_in_customer_currency: priceCustomer,
    subscription_status: sub.status,
    store_transaction_id: sub.transactionId,
    store_original_transaction_id: sub.originalTransactionId,
    purchasely_subscription_id: sub.id,
    cumulated_revenues_in_eur: person.cumulatedEur,
    ...dateFields('purchased_at', wall(sub.purchasedAt)),
    ...dateFields('original_purchased_at', wall(sub.originalPurchasedAt)),
    ...dateFields('next_renewal_at', wall(sub.periodEnd)),
    ...dateFields('effective_next_renewal_at', sub.autoRenewing ? wall(sub.periodEnd) : null),
    ...(sub.previousPlan ? { previous_plan: sub.previousPlan } : {}),
    ...(sub.graceExpiresAt !== null ? dateFields('grace_period_expires_at', wall(sub.graceExpiresAt)) : {}),
    ...extra,
  };
}

/**
 * A one-time purchase's payload: `purchasely_one_time_purchase_id` and no subscription
 * attributes at all (no `purchasely_subscription_id`, `subscription_status` or renewal dates).
 */
function oneTimePayload(t: Timeline, name: string, ms: number, otp: OneTimePurchase, extra: Record<string, unknown>, owner: Owner | undefined): Record<string, unknown> {
  const { person } = t;
  return {
    ...commonFields(t, name, ms, owner),
    plan: otp.item.plan,
    store: otp.store,
    product: otp.item.product,
    offer_type: 'NONE',
    ...(person.deviceId ? { device_id: person.deviceId } : {}),
    device_type: person.deviceType,
    environment: person.environment,
    purchase_type: otp.item.purchaseType,
    store_country: person.market.country,
    is_family_shared: false,
    store_product_id: otp.item.storeProductId,
    store_app_bundle_id: APP_BUNDLE_ID,
    customer_currency: person.market.currency,
    plan_price_in_eur: otp.item.priceEur,
    plan_price_in_customer_currency: round2(otp.item.priceEur * person.market.perEur),
    store_transaction_id: otp.transactionId,
    store_original_transaction_id: otp.transactionId,
    purchasely_one_time_purchase_id: otp.id,
    cumulated_revenues_in_eur: person.cumulatedEur,
    ...dateFields('purchased_at', otp.purchasedAtMs),
    ...dateFields('original_purchased_at', otp.purchasedAtMs),
    ...extra,
  };
}

/** Every event of the cohort in the order they fall due (a person's own order is kept on ties). */
export function scheduleOf(lifecycles: readonly SimulatedLifecycle[]): SimulatedEvent[] {
  return lifecycles.flatMap((l) => l.events).sort((a, b) => a.dueAtMs - b.dueAtMs);
}
