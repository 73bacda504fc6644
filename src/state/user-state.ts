import type { ParsedEvent } from '../purchasely/payload.js';
import { eventKeyOf, isLater, type EventKey, type EventRef } from './event-key.js';

/** A value together with the key of the event it was last seen on. */
export type Seen<T> = { value: T; key: EventKey };

/**
 * The persisted user-level state of one user in one (app, environment): the fields SPEC §4
 * takes "from the user's latest event that carries them". JSON-serialisable and canonical.
 * Subscription-level properties live in the SubscriptionStates the user owns.
 */
export type UserState = {
  version: 1;
  userKey: string;
  environment: string | null;
  /** The user's latest event (its name is `last_event`). */
  latestEvent: EventRef | null;
  userId: Seen<string> | null;
  anonymousUserId: Seen<string> | null;
  /** Latest `cumulated_revenues_in_<cur>` seen, with `<cur>` upper-cased. */
  revenue: (Seen<number> & { currency: string }) | null;
  /** Latest `cumulated_revenues_in_usd` seen (Purchasely's `cumulated_revenue_in_usd`); absent in states folded before it was kept. */
  revenueUsd?: Seen<number> | null;
};

/**
 * Folds one of the user's events into the user's state. Pure and order-independent: each field
 * keeps the value of the latest event (SPEC §4 order) that carries it.
 */
export function foldUser(prev: UserState | null, userKey: string, ev: ParsedEvent): UserState {
  const base: UserState = prev ?? {
    version: 1,
    userKey,
    environment: ev.environment,
    latestEvent: null,
    userId: null,
    anonymousUserId: null,
    revenue: null,
  };
  const key = eventKeyOf(ev);
  const revenue = cumulatedRevenueOf(ev.payload);
  const usd = ev.payload['cumulated_revenues_in_usd'];
  const revenueUsd = base.revenueUsd ?? null;
  return {
    ...base,
    latestEvent: isLater(key, base.latestEvent?.key) ? { key, name: ev.eventName } : base.latestEvent,
    userId: ev.userId !== null && isLater(key, base.userId?.key) ? { value: ev.userId, key } : base.userId,
    anonymousUserId: ev.anonymousUserId !== null && isLater(key, base.anonymousUserId?.key) ? { value: ev.anonymousUserId, key } : base.anonymousUserId,
    revenue: revenue !== null && isLater(key, base.revenue?.key) ? { ...revenue, key } : base.revenue,
    revenueUsd: typeof usd === 'number' && Number.isFinite(usd) && isLater(key, revenueUsd?.key) ? { value: usd, key } : revenueUsd,
  };
}

// `<cur>` is the app's integration currency, discovered from the key (lower-case ISO 4217).
const CUMULATED_REVENUES = /^cumulated_revenues_in_([a-z]{3})$/;

/** The payload's `cumulated_revenues_in_<cur>` (first by name if several), or null. */
export function cumulatedRevenueOf(payload: Record<string, unknown>): { value: number; currency: string } | null {
  // The first by name among the matching ones is the smallest name: no need to sort every key.
  let first: { name: string; value: number; currency: string } | null = null;
  for (const name of Object.keys(payload)) {
    if (!name.startsWith(CUMULATED_REVENUES_PREFIX) || (first !== null && name >= first.name)) continue;
    const match = CUMULATED_REVENUES.exec(name);
    const value = payload[name];
    if (match && typeof value === 'number' && Number.isFinite(value)) first = { name, value, currency: (match[1] as string).toUpperCase() };
  }
  return first === null ? null : { value: first.value, currency: first.currency };
}
const CUMULATED_REVENUES_PREFIX = 'cumulated_revenues_in_';
