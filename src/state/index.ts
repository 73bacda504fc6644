/** Public surface of the subscription-state fold (see README.md). */
export { compareEventKeys, eventKeyOf, type EventKey, type EventRef } from './event-key.js';
export { extractSubscriptionFields, dateField, stringField, booleanField, type SubscriptionFields } from './subscription-fields.js';
export {
  BILLING_EVENTS,
  foldSubscription,
  isEntitled,
  latestKeyOf,
  ownerOf,
  subscriptionIdOf,
  viewSubscription,
  type SubscriptionState,
  type SubscriptionTransfer,
  type SubscriptionUserSlice,
  type SubscriptionView,
} from './subscription-state.js';
export { foldUser, cumulatedRevenueOf, type Seen, type UserState } from './user-state.js';
export { computeUserProperties, diffUserProperties, type UserProperties } from './user-properties.js';
export { foldEvent, type FoldEventInput, type FoldEventResult } from './fold-event.js';
export { eraseUserFromSubscription } from './erase-user.js';
