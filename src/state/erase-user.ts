import type { SubscriptionState } from './subscription-state.js';

/**
 * Removes what a subscription's state says about one user (privacy erasure, SPEC §2
 * `DELETE /apps/{appId}/users/{userKey}`): that user's slice, and the user's key wherever the
 * latest transfer names it. Returns null when nothing is left to keep. Pure.
 */
export function eraseUserFromSubscription(sub: SubscriptionState, userKey: string): SubscriptionState | null {
  const users = sub.users.filter((slice) => slice.userKey !== userKey);
  const transfer =
    sub.transfer === null
      ? null
      : {
          ...sub.transfer,
          userKey: sub.transfer.userKey === userKey ? '' : sub.transfer.userKey,
          to: sub.transfer.to === userKey ? null : sub.transfer.to,
          from: sub.transfer.from.filter((k) => k !== userKey),
        };
  if (users.length === 0 && (transfer === null || (transfer.userKey === '' && transfer.to === null))) return null;
  return { ...sub, users, transfer };
}
