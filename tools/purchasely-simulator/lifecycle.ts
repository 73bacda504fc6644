import {
  APP_BUNDLE_ID,
  DEVICE_TYPES,
  MARKETS,
  OFFER_EVENT_PREFIX,
  OFFER_WEIGHTS,
  PLAN_WEIGHTS,
  PLANS,
  PRODUCT,
  STORE_WEIGHTS,
  type SimulatedOffer,
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

/** Everything one simulated person's subscription produced, oldest first. */
export interface SimulatedLifecycle {
  /** Index of the person in the cohort. */
  index: number;
  anonymousUserId: string;
  userId: string | null;
  environment: 'SANDBOX' | 'PRODUCTION';
  events: SimulatedEvent[];
}

export interface LifecycleOptions {
  /** How many people (each with one subscription history). */
  users: number;
  /** Same seed and options, same lifecycles (event ids included). */
  seed: number;
  /** Wall-clock start of the cohort (epoch ms). */
  startMs: number;
  /** Time compression: simulated milliseconds per wall-clock millisecond (86 400 = a day per second). */
  speed: number;
  /** Share of people in Purchasely's SANDBOX environment (0–1). */
  sandboxRatio: number;
  /** People start their first purchase within this many simulated days (default 30). */
  spreadDays?: number;
  /** At most this many renewal periods per subscription (default 12). */
  maxPeriods?: number;
  /** No renewal later than this many simulated days after the first purchase (default 400). */
  horizonDays?: number;
  /** Prefix of generated user ids (lets cohorts of a continuous run stay distinct). */
  idPrefix?: string;
}

interface Person {
  anonymousUserId: string;
  userId: string | null;
  identified: boolean;
  environment: 'SANDBOX' | 'PRODUCTION';
  market: (typeof MARKETS)[number];
  deviceType: string;
  deviceId: string | null;
  cumulatedEur: number;
}

interface Subscription {
  id: string;
  store: SimulatedStore;
  plan: SimulatedPlan;
  previousPlan: string | null;
  offer: SimulatedOffer;
  previousOffer: SimulatedOffer;
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

const round2 = (n: number): number => Math.round(n * 100) / 100;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Generates realistic subscription lifecycles (pure: a function of the options only).
 * Each person buys one subscription — sometimes after a free trial, an intro offer or a promo
 * code — then renews, hits billing issues (grace period, billing retry), cancels, gets
 * refunded, changes plan or transfers it. Anonymous people may become identified. One
 * store action emits several events (e.g. ACTIVATE + SUBSCRIPTION_STARTED + TRIAL_STARTED),
 * stamped a millisecond apart, in the order Purchasely sends them.
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
    environment: rng.chance(opts.sandboxRatio) ? 'SANDBOX' : 'PRODUCTION',
    market: rng.pick(MARKETS),
    deviceType: rng.pick(DEVICE_TYPES),
    deviceId: rng.chance(0.5) ? rng.hex(16) : null,
    cumulatedEur: 0,
  };
  const events: SimulatedEvent[] = [];
  let lastMs = 0;
  const wall = (simMs: number): number => opts.startMs + Math.round(simMs / speed);

  const sub = startSubscription(rng, prefix, index, rng.next() * (opts.spreadDays ?? 30) * DAY);
  let at = sub.purchasedAt;

  /** Appends one event; a person's events are strictly increasing in time. */
  const emit = (name: string, extra: Record<string, unknown> = {}, owner?: { userId: string }): void => {
    const ms = Math.max(wall(at), lastMs + 1);
    lastMs = ms;
    const payload = buildPayload(rng, name, ms, person, sub, wall, extra, owner);
    events.push({ dueAtMs: ms, userKey: owner?.userId ?? (person.identified && person.userId ? person.userId : person.anonymousUserId), payload });
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
    sub.purchasedAt = at;
    sub.periodEnd = at + days * DAY;
  };
  const terminate = (status: string): void => {
    sub.status = status;
    sub.autoRenewing = false;
    emit('SUBSCRIPTION_TERMINATED');
    emit('DEACTIVATE');
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
  if (identification === 'after_purchase') person.identified = true;

  // --- end of the offer -----------------------------------------------------------------
  if (sub.offer !== 'NONE') {
    const offerPrefix = OFFER_EVENT_PREFIX[sub.offer];
    if (rng.chance(0.65)) {
      at = sub.periodEnd;
      sub.previousOffer = sub.offer;
      sub.offer = 'NONE';
      newTransaction();
      startPeriod(sub.plan.periodDays);
      emit(`${offerPrefix}_CONVERTED`, { previous_offer_type: sub.previousOffer });
      emit('SUBSCRIPTION_RENEWED');
      emit('ACTIVATE');
      charge('SUBSCRIPTION_RENEWED', sub.plan.priceEur);
    } else {
      at = sub.purchasedAt + (sub.periodEnd - sub.purchasedAt) * rng.next();
      sub.status = 'AUTO_RENEWING_CANCELED';
      sub.autoRenewing = false;
      emit('RENEWAL_DISABLED');
      at = sub.periodEnd;
      sub.status = 'DEACTIVATED';
      emit(`${offerPrefix}_NOT_CONVERTED`);
      emit('SUBSCRIPTION_TERMINATED');
      emit('DEACTIVATE');
      return finish(index, person, events);
    }
  }

  // --- renewals and what can happen on the way ------------------------------------------
  const periods = rng.int(1, opts.maxPeriods ?? 12);
  const horizon = sub.originalPurchasedAt + (opts.horizonDays ?? 400) * DAY;
  for (let period = 0; period < periods && sub.periodEnd <= horizon; period++) {
    const roll = rng.next();
    const midPeriod = sub.purchasedAt + (sub.periodEnd - sub.purchasedAt) * (0.2 + 0.6 * rng.next());
    if (roll < 0.06) {
      // Billing issue: grace period, then recovery or billing retry.
      at = sub.periodEnd;
      sub.status = 'IN_GRACE_PERIOD';
      sub.graceExpiresAt = at + 6 * DAY;
      emit('GRACE_PERIOD_STARTED');
      if (rng.chance(0.6)) {
        at += rng.int(1, 5) * DAY;
        sub.status = 'AUTO_RENEWING';
        sub.graceExpiresAt = null;
        newTransaction();
        startPeriod(sub.plan.periodDays);
        emit('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD');
        charge('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD', sub.plan.priceEur);
        continue;
      }
      at = sub.graceExpiresAt;
      sub.graceExpiresAt = null;
      sub.status = 'ON_HOLD';
      emit('GRACE_PERIOD_TERMINATED');
      emit('ENTERED_BILLING_RETRY');
      emit('DEACTIVATE');
      if (rng.chance(0.4)) {
        at += rng.int(1, 20) * DAY;
        sub.status = 'AUTO_RENEWING';
        newTransaction();
        startPeriod(sub.plan.periodDays);
        emit('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY');
        emit('ACTIVATE');
        charge('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY', sub.plan.priceEur);
        continue;
      }
      at += 30 * DAY;
      sub.status = 'DEACTIVATED';
      sub.autoRenewing = false;
      emit('SUBSCRIPTION_TERMINATED');
      return finish(index, person, events);
    }
    if (roll < 0.14) {
      // Cancellation: auto-renewal switched off, sometimes back on.
      at = midPeriod;
      sub.status = 'AUTO_RENEWING_CANCELED';
      sub.autoRenewing = false;
      emit('RENEWAL_DISABLED');
      if (rng.chance(0.25)) {
        at = midPeriod + (sub.periodEnd - midPeriod) / 2;
        sub.status = 'AUTO_RENEWING';
        sub.autoRenewing = true;
        emit('RENEWAL_ENABLED');
      } else {
        at = sub.periodEnd;
        terminate('DEACTIVATED');
        return finish(index, person, events);
      }
    } else if (roll < 0.16) {
      // Refund: access revoked at once, a negative transaction.
      at = midPeriod;
      sub.status = 'REVOKED';
      sub.autoRenewing = false;
      emit('SUBSCRIPTION_REFUNDED_REVOKED');
      emit('DEACTIVATE');
      charge('SUBSCRIPTION_REFUNDED_REVOKED', -sub.plan.priceEur);
      return finish(index, person, events);
    } else if (roll < 0.2) {
      // Plan change, effective at once with a new transaction.
      at = midPeriod;
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
      at = midPeriod;
      const from = person.userId;
      const to = `${prefix}_user_${index}_t${rng.hex(6)}`;
      const transfer = { transferred_from_user_id: from, transferred_to_user_id: to };
      emit('SUBSCRIPTION_TRANSFERRED', transfer);
      emit('DEACTIVATE');
      emit('SUBSCRIPTION_RECEIVED', transfer, { userId: to });
      emit('ACTIVATE', {}, { userId: to });
      return finish(index, person, events);
    }
    // Renewal at the end of the period.
    at = sub.periodEnd;
    newTransaction();
    startPeriod(sub.plan.periodDays);
    emit('SUBSCRIPTION_RENEWED');
    emit('ACTIVATE');
    charge('SUBSCRIPTION_RENEWED', sub.plan.priceEur);
  }
  return finish(index, person, events);
}

function finish(index: number, person: Person, events: SimulatedEvent[]): SimulatedLifecycle {
  return { index, anonymousUserId: person.anonymousUserId, userId: person.userId, environment: person.environment, events };
}

function startSubscription(rng: Random, prefix: string, index: number, startSim: number): Subscription {
  const store = rng.weighted(STORE_WEIGHTS);
  const originalTransactionId = originalTransactionIdFor(rng, store);
  return {
    id: `subs_${rng.alphanumeric(31)}`,
    store,
    plan: rng.weighted(PLAN_WEIGHTS),
    previousPlan: null,
    offer: rng.weighted(OFFER_WEIGHTS),
    previousOffer: 'NONE',
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
  if (store === 'GOOGLE_PLAY_STORE') return `GPA.${rng.digits(4)}-${rng.digits(4)}-${rng.digits(4)}-${rng.digits(5)}`;
  if (store === 'APPLE_APP_STORE') return `2000000${rng.digits(8)}`;
  return `sub_${rng.alphanumeric(24)}`;
}

/** Google numbers renewals `<original>..N`; Apple and Stripe make a new id per transaction. */
function nextTransactionId(rng: Random, sub: Subscription): string {
  if (sub.store === 'GOOGLE_PLAY_STORE') return `${sub.originalTransactionId}..${sub.transactions - 1}`;
  if (sub.store === 'APPLE_APP_STORE') return `2000000${rng.digits(8)}`;
  return `in_${rng.alphanumeric(24)}`;
}

function dateFields(name: string, ms: number | null): Record<string, unknown> {
  return ms === null ? { [name]: null, [`${name}_ms`]: null } : { [name]: iso(ms), [`${name}_ms`]: ms };
}

function buildPayload(
  rng: Random,
  name: string,
  ms: number,
  person: Person,
  sub: Subscription,
  wall: (sim: number) => number,
  extra: Record<string, unknown>,
  owner: { userId: string } | undefined,
): Record<string, unknown> {
  const who: Record<string, unknown> = owner
    ? { user_id: owner.userId }
    : person.identified && person.userId
      ? { user_id: person.userId }
      : { anonymous_user_id: person.anonymousUserId };
  const priceCustomer = round2(sub.plan.priceEur * person.market.perEur);
  return {
    api_version: 3,
    event_id: rng.uuid(),
    event_name: name,
    ...dateFields('event_created_at', ms),
    ...who,
    plan: sub.plan.id,
    store: sub.store,
    product: PRODUCT,
    offer_type: sub.offer,
    previous_offer_type: sub.previousOffer,
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

/** Every event of the cohort in the order they fall due (a person's own order is kept on ties). */
export function scheduleOf(lifecycles: readonly SimulatedLifecycle[]): SimulatedEvent[] {
  return lifecycles.flatMap((l) => l.events).sort((a, b) => a.dueAtMs - b.dueAtMs);
}
