import { USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import { booleanField, dateField, stringField } from './subscription-fields.js';
import { compareByLatest, isEntitled, viewSubscription, type SubscriptionState, type SubscriptionView } from './subscription-state.js';
import type { UserState } from './user-state.js';

/**
 * Every property of USER_PROPERTY_CATALOG, by name. Dates (catalogue type `date`) are epoch
 * milliseconds; the mapper writes them as `$D_<seconds>`. Null means unknown or unset.
 */
export type UserProperties = Record<string, string | number | boolean | null>;

/** Copied as-is (strings) from the primary subscription's latest event. */
const PRIMARY_STRING_FIELDS = [
  'subscription_status',
  'store',
  'store_country',
  'product',
  'plan',
  'previous_plan',
  'store_product_id',
  'offer_type',
  'promotional_offer_id',
  'environment',
  'content_id',
  'purchasely_subscription_id',
] as const;

const PRIMARY_DATE_FIELDS = [
  'purchased_at',
  'original_purchased_at',
  'next_renewal_at',
  'effective_next_renewal_at',
  'grace_period_expires_at',
] as const;

const EXPIRED_STATUSES: ReadonlySet<string> = new Set(['DEACTIVATED', 'REVOKED', 'UNPAID']);

/**
 * Derives the user's properties (SPEC §4 "User properties") from the user's state and the
 * subscriptions the user owns (`ownerOf(sub) === user.userKey`, same app and environment).
 *
 * Primary subscription: the entitled one with the latest event, else the one with the latest
 * event. Derived booleans (`has_*`, `is_*` except `is_family_shared`) are always true or false;
 * values read from the payload are null when the primary subscription does not state them.
 */
export function computeUserProperties(user: UserState, owned: SubscriptionState[]): UserProperties {
  const views = owned.map(viewSubscription);
  const entitled = views.filter(isEntitled);
  const primary = latestOf(entitled) ?? latestOf(views);
  const primaryEntitled = primary !== null && isEntitled(primary);
  const fields = primary?.latest.fields ?? {};

  const status = stringField(fields, 'subscription_status');
  const offerType = stringField(fields, 'offer_type');
  const isInTrial = primaryEntitled && offerType === 'FREE_TRIAL';

  const props: UserProperties = {
    user_id: user.userId?.value ?? null,
    anonymous_user_id: user.anonymousUserId?.value ?? null,
    has_active_subscription: entitled.length > 0,
    has_expired_subscription: views.some((view) => {
      const viewStatus = stringField(view.latest.fields, 'subscription_status');
      return !isEntitled(view) && viewStatus !== null && EXPIRED_STATUSES.has(viewStatus);
    }),
  };
  for (const name of PRIMARY_STRING_FIELDS) props[name] = stringField(fields, name);
  props['is_family_shared'] = booleanField(fields, 'is_family_shared');
  props['subscription_started_at'] = dateField(fields, 'original_purchased_at');
  for (const name of PRIMARY_DATE_FIELDS) props[name] = dateField(fields, name);
  props['is_auto_renewing'] = status === 'AUTO_RENEWING';
  props['is_in_grace_period'] = status === 'IN_GRACE_PERIOD';
  props['is_in_billing_retry'] =
    primary !== null && (status === 'ON_HOLD' || primary.billing?.name === 'ENTERED_BILLING_RETRY');
  props['is_in_trial'] = isInTrial;
  props['is_in_intro_offer'] = primaryEntitled && offerType === 'INTRO_OFFER';
  props['is_promo_code'] = primaryEntitled && offerType === 'PROMO_CODE';
  props['trial_ends_at'] = isInTrial ? dateField(fields, 'effective_next_renewal_at') : null;
  props['last_event'] = user.latestEvent?.name ?? null;
  props['cumulated_revenues'] = user.revenue?.value ?? null;
  props['revenue_currency'] = user.revenue?.currency ?? null;
  return orderLikeCatalog(props);
}

function latestOf(views: SubscriptionView[]): SubscriptionView | null {
  let best: SubscriptionView | null = null;
  for (const view of views) if (best === null || compareByLatest(view, best) > 0) best = view;
  return best;
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
