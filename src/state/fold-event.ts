import type { ParsedEvent } from '../purchasely/payload.js';
import { foldSubscription, ownerOf, subscriptionIdOf, type SubscriptionState } from './subscription-state.js';
import { foldUser, type UserState } from './user-state.js';

export type FoldEventInput = {
  /** The state of the event's user (`ev.userKey`), null if none yet. */
  user: UserState | null;
  /** The state of the subscription the event touches (`subscriptionIdOf(ev)`), null if none yet or none touched. */
  subscription: SubscriptionState | null;
};

export type FoldEventResult = {
  /** Unchanged (null) when the event has no user key. */
  user: UserState | null;
  /** Unchanged when the event touches no subscription. */
  subscription: SubscriptionState | null;
  ownerBefore: string | null;
  ownerAfter: string | null;
  /**
   * Users whose properties may have changed: the event's user plus the subscription's owner
   * before and after (both when ownership moved). Recompute each with computeUserProperties.
   */
  affectedUserKeys: string[];
};

/**
 * Folds one event into the two states it can change — its user's and its subscription's — and
 * says whose profiles to recompute. Pure; a convenience over foldUser + foldSubscription.
 */
export function foldEvent(input: FoldEventInput, ev: ParsedEvent): FoldEventResult {
  const user = ev.userKey === null ? input.user : foldUser(input.user, ev.userKey, ev);
  const touches = subscriptionIdOf(ev) !== null;
  const ownerBefore = input.subscription === null ? null : ownerOf(input.subscription);
  const subscription = touches ? foldSubscription(input.subscription, ev) : input.subscription;
  const ownerAfter = subscription === null ? null : ownerOf(subscription);
  const affected = [ev.userKey, ownerBefore, ownerAfter].filter((k): k is string => k !== null);
  return { user, subscription, ownerBefore, ownerAfter, affectedUserKeys: [...new Set(affected)] };
}
