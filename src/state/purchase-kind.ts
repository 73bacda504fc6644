import { stringField } from './subscription-fields.js';
import { isEntitled, type SubscriptionView } from './subscription-state.js';

/**
 * What a purchase is, from Purchasely's `purchase_type`. The subscription properties describe
 * subscriptions only; one-time purchases have properties of their own (src/state/README.md).
 */
export type PurchaseKind = 'renewing_subscription' | 'non_renewing_subscription' | 'consumable' | 'non_consumable';

const KINDS: Readonly<Record<string, PurchaseKind>> = {
  RENEWING_SUBSCRIPTION: 'renewing_subscription',
  NON_RENEWING_SUBSCRIPTION: 'non_renewing_subscription',
  CONSUMABLE: 'consumable',
  NON_CONSUMABLE: 'non_consumable',
};

/**
 * The kind of a purchase, read from its latest event's `purchase_type`. Purchasely's docs make
 * `purchase_type` required; when it is missing or unknown, a purchase named only by
 * `purchasely_one_time_purchase_id` is a non-consumable (the one-time kind that grants access)
 * and anything else a renewing subscription, as before the attribute was read.
 */
export function purchaseKindOf(view: SubscriptionView): PurchaseKind {
  const fields = view.latest.fields;
  const stated = stringField(fields, 'purchase_type');
  if (stated !== null && Object.prototype.hasOwnProperty.call(KINDS, stated)) return KINDS[stated] as PurchaseKind;
  const oneTimeOnly = stringField(fields, 'purchasely_one_time_purchase_id') !== null && stringField(fields, 'purchasely_subscription_id') === null;
  return oneTimeOnly ? 'non_consumable' : 'renewing_subscription';
}

/**
 * True when the purchase counts as a subscription for the subscription properties: a renewing
 * subscription always, a non-renewing one while it grants access.
 */
export function countsAsSubscription(view: SubscriptionView): boolean {
  const kind = purchaseKindOf(view);
  return kind === 'renewing_subscription' || (kind === 'non_renewing_subscription' && isEntitled(view));
}

/** True for consumables and non-consumables. */
export function isOneTimePurchase(view: SubscriptionView): boolean {
  const kind = purchaseKindOf(view);
  return kind === 'consumable' || kind === 'non_consumable';
}
