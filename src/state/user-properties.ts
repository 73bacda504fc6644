import { USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import { planPeriodicityOf } from './plan-periodicity.js';
import { countsAsSubscription, isOneTimePurchase, purchaseKindOf } from './purchase-kind.js';
import { booleanField, dateField, stringField } from './subscription-fields.js';
import { compareByLatest, isEntitled, viewSubscription, type SubscriptionState, type SubscriptionView } from './subscription-state.js';
import type { UserState } from './user-state.js';

/**
 * Every property of USER_PROPERTY_CATALOG, by name. Dates (catalogue type `date`) are epoch
 * milliseconds; the mapper writes them as `$D_<seconds>`. Null means unknown or unset: the
 * mapper removes such a property in CleverTap.
 */
export type UserProperties = Record<string, string | number | boolean | null>;

/** Copied as-is (strings) from the primary subscription's latest event. */
const PRIMARY_STRING_FIELDS = [
  'subscription_status',
  'environment',
  'store',
  'store_country',
  'product',
  'plan',
  'previous_plan',
  'store_product_id',
  'offer_type',
  'promotional_offer_id',
  'content_id',
  'purchasely_subscription_id',
] as const;

const PRIMARY_DATE_FIELDS = ['purchased_at', 'original_purchased_at', 'next_renewal_at', 'effective_next_renewal_at', 'grace_period_expires_at'] as const;

/**
 * The statuses of a lapsed subscription, as Purchasely's "Expired sub. Status" user attribute
 * lists them (on hold, deactivated, revoked, paused, unpaid), plus CANCELED, which its
 * "Engagement & CRM" page names among the statuses.
 */
export const LAPSED_STATUSES: ReadonlySet<string> = new Set(['ON_HOLD', 'DEACTIVATED', 'REVOKED', 'PAUSED', 'UNPAID', 'CANCELED']);

/**
 * Derives the user's properties from the user's state and the purchases the user owns
 * (`ownerOf(sub) === user.userKey`, same app and environment).
 *
 * The subscription properties describe subscriptions only (`countsAsSubscription`): a
 * consumable or a lifetime unlock never makes an active subscriber, nor replaces the
 * subscription's product or plan. Primary subscription: the entitled one with the latest event,
 * else the one with the latest event. Booleans (`has_*`, `is_*`) are always true or false (a
 * boolean is never removed from a profile, it turns false); other values are null when the
 * primary subscription does not state them.
 */
export function computeUserProperties(user: UserState, owned: SubscriptionState[]): UserProperties {
  const purchases = owned.map(viewSubscription);
  const subscriptions = purchases.filter(countsAsSubscription);
  const oneTime = purchases.filter(isOneTimePurchase);
  const entitled = subscriptions.filter(isEntitled);
  const primary = latestOf(entitled) ?? latestOf(subscriptions);
  const primaryEntitled = primary !== null && isEntitled(primary);
  const fields = primary?.latest.fields ?? {};
  const lapsed = subscriptions.filter((view) => !isEntitled(view) && isLapsed(view));
  const expired = latestOf(lapsed);

  const status = stringField(fields, 'subscription_status');
  const offerType = stringField(fields, 'offer_type');
  const isInTrial = primaryEntitled && offerType === 'FREE_TRIAL';

  const props: UserProperties = {
    user_id: user.userId?.value ?? null,
    anonymous_user_id: user.anonymousUserId?.value ?? null,
    has_active_subscription: entitled.length > 0,
    has_expired_subscription: lapsed.length > 0,
  };
  for (const name of PRIMARY_STRING_FIELDS) props[name] = stringField(fields, name);
  props['plan_periodicity'] = primary === null ? null : planPeriodicityOf(primary);
  props['is_family_shared'] = booleanField(fields, 'is_family_shared') ?? false;
  props['subscription_started_at'] = dateField(fields, 'original_purchased_at');
  for (const name of PRIMARY_DATE_FIELDS) props[name] = dateField(fields, name);
  props['is_auto_renewing'] = status === 'AUTO_RENEWING';
  props['is_in_grace_period'] = status === 'IN_GRACE_PERIOD';
  props['is_in_billing_retry'] = primary !== null && (status === 'ON_HOLD' || primary.billing?.name === 'ENTERED_BILLING_RETRY');
  props['is_in_trial'] = isInTrial;
  props['is_in_intro_offer'] = primaryEntitled && offerType === 'INTRO_OFFER';
  props['is_promo_code'] = primaryEntitled && offerType === 'PROMO_CODE';
  props['trial_ends_at'] = isInTrial ? dateField(fields, 'effective_next_renewal_at') : null;
  props['last_event'] = user.latestEvent?.name ?? null;
  props['cumulated_revenue_in_usd'] = user.revenueUsd?.value ?? null;
  props['expired_subscription_status'] = expired === null ? null : stringField(expired.latest.fields, 'subscription_status');
  props['expired_subscription_plan'] = expired === null ? null : stringField(expired.latest.fields, 'plan');
  props['expired_subscription_offer_type'] = expired === null ? null : stringField(expired.latest.fields, 'offer_type');
  props['expired_subscription_expired_at'] = expired === null ? null : (expired.entitlement?.key.ms ?? expired.latest.key.ms);
  props['cumulated_revenues'] = user.revenue?.value ?? null;
  props['revenue_currency'] = user.revenue?.currency ?? null;
  props['has_lifetime_access'] = oneTime.some((view) => purchaseKindOf(view) === 'non_consumable' && view.entitlement?.name === 'ACTIVATE');
  props['last_one_time_purchase_at'] = latestPurchaseAt(oneTime);
  return orderLikeCatalog(props);
}

function isLapsed(view: SubscriptionView): boolean {
  const status = stringField(view.latest.fields, 'subscription_status');
  return status !== null && LAPSED_STATUSES.has(status);
}

function latestOf(views: SubscriptionView[]): SubscriptionView | null {
  let best: SubscriptionView | null = null;
  for (const view of views) if (best === null || compareByLatest(view, best) > 0) best = view;
  return best;
}

/** The latest `purchased_at` of the one-time purchases (a purchase's latest event time when it states none). */
function latestPurchaseAt(views: SubscriptionView[]): number | null {
  let latest: number | null = null;
  for (const view of views) {
    const at = dateField(view.latest.fields, 'purchased_at') ?? view.latest.key.ms;
    if (latest === null || at > latest) latest = at;
  }
  return latest;
}

// Same key order as the catalogue, so profiles and diffs read predictably.
function orderLikeCatalog(props: UserProperties): UserProperties {
  const ordered: UserProperties = {};
  for (const { name } of USER_PROPERTY_CATALOG) ordered[name] = props[name] ?? null;
  return ordered;
}

/**
 * Names of the properties whose value differs between two snapshots (a missing snapshot counts
 * as all-null), so processing can emit a profile record only when an enabled property changed.
 */
export function diffUserProperties(before: UserProperties | null, after: UserProperties): string[] {
  return USER_PROPERTY_CATALOG.map((p) => p.name).filter((name) => (before?.[name] ?? null) !== (after[name] ?? null));
}
