/**
 * What the bridge knows about Purchasely: the 45 server events of Purchasely's "Lifecycle
 * Events" page and the user properties it derives (Purchasely's CRM user properties plus
 * pcbridge's extras; docs/clevertap-mapping.md lists each with its source). Served as-is by
 * `GET /apps/{appId}/catalog` and used by settings validation, the state fold and the dashboard.
 *
 * No imports: the client SDK and the dashboard may use this file.
 */

export type EventCategory = 'entitlement' | 'lifecycle' | 'offer' | 'transactional';

export type EventCatalogEntry = {
  name: string;
  category: EventCategory;
  /** Lifecycle sub-group (`activation`, `billing_issues`, …) or offer kind (`trial`, …); null otherwise. */
  group: string | null;
  description: string;
};

export type UserPropertyType = 'string' | 'boolean' | 'date' | 'number';

export type UserPropertyCatalogEntry = {
  name: string;
  /** `date` values are epoch milliseconds in the state and `$D_<seconds>` on CleverTap. */
  type: UserPropertyType;
  description: string;
  /**
   * `purchasely`: a property Purchasely's own CRM integrations write, under Purchasely's name;
   * `pcbridge`: an extra of this bridge, which Purchasely's integration does not have.
   */
  origin: 'purchasely' | 'pcbridge';
};

const entry = (name: string, category: EventCategory, group: string | null, description: string): EventCatalogEntry => Object.freeze({ name, category, group, description });

const OFFER_KINDS = [
  ['TRIAL', 'trial', 'free trial'],
  ['INTRO_OFFER', 'intro_offer', 'introductory offer'],
  ['PROMO_CODE', 'promo_code', 'promo code offer'],
  ['PROMOTIONAL_OFFER', 'promotional_offer', 'promotional offer'],
] as const;

const OFFER_EVENTS: EventCatalogEntry[] = OFFER_KINDS.flatMap(([prefix, group, label]) => [
  entry(`${prefix}_STARTED`, 'offer', group, `The user started a ${label}.`),
  entry(`${prefix}_CONVERTED`, 'offer', group, `A ${label} ended and the user now pays the regular price.`),
  entry(`${prefix}_NOT_CONVERTED`, 'offer', group, `A ${label} ended without turning into a paid subscription.`),
]);

/** Every server event of webhook API v3, in the order of Purchasely's "Lifecycle Events" page. */
export const EVENT_CATALOG: readonly EventCatalogEntry[] = Object.freeze([
  entry('ACTIVATE', 'entitlement', null, 'Access granted: purchase, renewal, transfer in, plan change, recovery, unpause.'),
  entry('DEACTIVATE', 'entitlement', null, 'Access revoked: termination, billing retry, refund, transfer out, pause.'),

  entry('SUBSCRIPTION_STARTED', 'lifecycle', 'activation', 'A new subscription was purchased.'),

  entry(
    'RETENTION_MESSAGE_REQUESTED',
    'lifecycle',
    'cancellation',
    'The subscriber opened the App Store cancel sheet and Apple asked for a retention message; not a cancellation (App Store only).',
  ),
  entry('RENEWAL_DISABLED', 'lifecycle', 'cancellation', 'The user turned auto-renewal off; access lasts until the period ends.'),
  entry('RENEWAL_ENABLED', 'lifecycle', 'cancellation', 'The user turned auto-renewal back on.'),
  entry('SUBSCRIPTION_TERMINATED', 'lifecycle', 'cancellation', 'The subscription ended and will not renew.'),
  entry('FAMILY_SHARED_REVOKED', 'lifecycle', 'cancellation', 'The family member lost the access shared with them.'),

  entry('GRACE_PERIOD_STARTED', 'lifecycle', 'billing_issues', 'A renewal payment failed; access continues during a grace period.'),
  entry('GRACE_PERIOD_TERMINATED', 'lifecycle', 'billing_issues', 'The grace period ended without a successful payment.'),
  entry('SUBSCRIPTION_CANCELLED_DURING_GRACE_PERIOD', 'lifecycle', 'billing_issues', 'The subscription was cancelled while in its grace period.'),
  entry('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD', 'lifecycle', 'billing_issues', 'Payment succeeded during the grace period.'),
  entry('ENTERED_BILLING_RETRY', 'lifecycle', 'billing_issues', 'Payment failed and the store keeps retrying; access is suspended.'),
  entry('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY', 'lifecycle', 'billing_issues', 'A store retry succeeded and the subscription is active again.'),

  entry('SUBSCRIPTION_RENEWED', 'lifecycle', 'renewal_and_reactivation', 'The subscription renewed for a new period.'),
  entry('SUBSCRIPTION_DEFERRED', 'lifecycle', 'renewal_and_reactivation', 'The next renewal was postponed (Google Play only).'),
  entry('SUBSCRIPTION_REACTIVATED', 'lifecycle', 'renewal_and_reactivation', 'An expired subscription was bought again.'),

  entry('SUBSCRIPTION_CROSSGRADED', 'lifecycle', 'plan_change', 'The user moved to another plan of the same level.'),
  entry('SUBSCRIPTION_DOWNGRADED', 'lifecycle', 'plan_change', 'The user moved to a lower plan.'),
  entry('SUBSCRIPTION_UPGRADED', 'lifecycle', 'plan_change', 'The user moved to a higher plan.'),

  entry('SUBSCRIPTION_REFUNDED_REVOKED', 'lifecycle', 'refund', 'The purchase was refunded or revoked by the store (also sent as SUBSCRIPTION_REFUNDED).'),

  entry('SUBSCRIPTION_TRANSFERRED', 'lifecycle', 'transfer', 'The subscription moved away from this user (sent to the previous owner).'),
  entry('SUBSCRIPTION_RECEIVED', 'lifecycle', 'transfer', 'The subscription moved to this user (sent to the new owner).'),
  entry('ONE_TIME_PURCHASE_TRANSFERRED', 'lifecycle', 'transfer', 'A one-time purchase moved away from this user.'),
  entry('ONE_TIME_PURCHASE_RECEIVED', 'lifecycle', 'transfer', 'A one-time purchase moved to this user.'),

  entry('SUBSCRIPTION_WILL_PAUSE', 'lifecycle', 'pause', 'The user scheduled a pause at the end of the period (Google Play only).'),
  entry('SUBSCRIPTION_PAUSED', 'lifecycle', 'pause', 'The subscription is paused; access is suspended (Google Play only).'),
  entry('SUBSCRIPTION_UNPAUSED', 'lifecycle', 'pause', 'A paused subscription resumed (Google Play only).'),
  entry('SUBSCRIPTION_CANCELLED_DURING_PAUSE', 'lifecycle', 'pause', 'The subscription was cancelled while paused (Google Play only).'),
  entry('SUBSCRIPTION_WILL_NOT_PAUSE', 'lifecycle', 'pause', 'The user called off a scheduled pause (Google Play only).'),

  entry('INSTALLMENT_PAID', 'lifecycle', 'commitment', 'A monthly installment of a 12-month commitment plan was billed (carries the commitment_* attributes).'),
  entry('INSTALLMENT_REFUNDED', 'lifecycle', 'commitment', 'A past installment of a 12-month commitment plan was refunded; the commitment stays active.'),

  ...OFFER_EVENTS,

  entry('TRANSACTION_PROCESSED', 'transactional', null, 'A paid store transaction went through (negative amount on a refund); the revenue event.'),
]);

/**
 * Older or alternative spellings mapped to the catalogue name. Purchasely's docs name the refund
 * event `SUBSCRIPTION_REFUNDED` on one page: it is treated as `SUBSCRIPTION_REFUNDED_REVOKED`
 * for catalogue look-ups (category, description), while the log and the CleverTap record keep
 * the name as received.
 */
export const EVENT_NAME_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  SUBSCRIPTION_REFUNDED: 'SUBSCRIPTION_REFUNDED_REVOKED',
});

/** Webhook v2 names still seen in older material: stored and shown like any unknown name. */
export const LEGACY_EVENT_NAMES: readonly string[] = Object.freeze([
  'PURCHASE_VALIDATED',
  'SUBSCRIPTION_EXPIRED',
  'PURCHASE_REFUND',
  'PURCHASE_TRANSFERRED',
  'SUBSCRIPTION_CHANGED',
  'SUBSCRIPTION_UNPAID',
  'USER_IDENTIFIED',
]);

const EVENTS_BY_NAME: ReadonlyMap<string, EventCatalogEntry> = new Map(EVENT_CATALOG.map((e) => [e.name, e]));

/** The catalogue name for `name`, resolving aliases (`SUBSCRIPTION_REFUNDED`); other names unchanged. */
export function canonicalEventName(name: string): string {
  return Object.prototype.hasOwnProperty.call(EVENT_NAME_ALIASES, name) ? (EVENT_NAME_ALIASES[name] as string) : name;
}

/** The catalogue entry of an event name (aliases resolved), or undefined for names the bridge does not know. */
export function findCatalogEvent(name: string): EventCatalogEntry | undefined {
  return EVENTS_BY_NAME.get(canonicalEventName(name));
}

const WELL_FORMED_EVENT_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * True for a name shaped like Purchasely's: upper-case words joined by single underscores
 * (`SUBSCRIPTION_STARTED`; digits allowed after the first letter, at most 128 characters), so
 * settings can enable events Purchasely adds later.
 */
export function isWellFormedEventName(name: string): boolean {
  return typeof name === 'string' && name.length <= 128 && WELL_FORMED_EVENT_NAME.test(name);
}

/**
 * Tie-break rank of an event within one millisecond (SPEC §4): ACTIVATE 0 < lifecycle 1 <
 * offer 2 < TRANSACTION_PROCESSED 3 < DEACTIVATE 4; names the catalogue does not know rank 1.
 */
export function categoryRank(eventName: string): number {
  if (eventName === 'ACTIVATE') return 0;
  if (eventName === 'DEACTIVATE') return 4;
  if (eventName === 'TRANSACTION_PROCESSED') return 3;
  return findCatalogEvent(eventName)?.category === 'offer' ? 2 : 1;
}

const TRANSFER_EVENTS: ReadonlySet<string> = new Set(['SUBSCRIPTION_TRANSFERRED', 'SUBSCRIPTION_RECEIVED', 'ONE_TIME_PURCHASE_TRANSFERRED', 'ONE_TIME_PURCHASE_RECEIVED']);

/** True for the four events that move a subscription or one-time purchase between users. */
export function isTransferEvent(name: string): boolean {
  return TRANSFER_EVENTS.has(name);
}

const prop = (name: string, type: UserPropertyType, description: string): UserPropertyCatalogEntry => Object.freeze({ name, type, description, origin: 'purchasely' as const });
const extra = (name: string, type: UserPropertyType, description: string): UserPropertyCatalogEntry => Object.freeze({ name, type, description, origin: 'pcbridge' as const });

/**
 * Every user property the bridge derives, one entry each: Purchasely's CRM user properties
 * under Purchasely's names (its "Engagement & CRM" page and its full list "User properties for
 * 3rd-party integrations"), then pcbridge's extras. "Subscription" means a renewing
 * subscription, or a non-renewing one while it grants access; one-time purchases have their own
 * properties (src/state/README.md).
 */
export const USER_PROPERTY_CATALOG: readonly UserPropertyCatalogEntry[] = Object.freeze([
  prop('user_id', 'string', "The app's user ID, latest seen for the user."),
  prop('anonymous_user_id', 'string', "Purchasely's anonymous user ID, latest seen for the user."),
  prop('has_active_subscription', 'boolean', 'At least one of the user’s subscriptions currently grants access (one-time purchases never count).'),
  prop('has_expired_subscription', 'boolean', 'At least one subscription without access has lapsed: on hold, deactivated, revoked, paused, unpaid or canceled.'),
  prop('subscription_status', 'string', 'Store status of the primary subscription (AUTO_RENEWING, ON_HOLD, …).'),
  prop('environment', 'string', 'SANDBOX or PRODUCTION, from the primary subscription.'),
  prop('store', 'string', 'Store of the primary subscription.'),
  prop('store_country', 'string', 'Store country of the primary subscription.'),
  prop('product', 'string', 'Purchasely product of the primary subscription.'),
  prop('plan', 'string', 'Purchasely plan of the primary subscription.'),
  prop('plan_periodicity', 'string', 'Billing period of the primary subscription (P1W, P2W, P1M, P2M, P3M, P6M, P1Y), read from its current regular-price period.'),
  prop('previous_plan', 'string', 'Plan the primary subscription had before its last plan change.'),
  prop('store_product_id', 'string', 'Store product ID of the primary subscription.'),
  prop('offer_type', 'string', 'Offer currently applied to the primary subscription (NONE, FREE_TRIAL, …).'),
  prop('promotional_offer_id', 'string', 'Promotional offer of the primary subscription.'),
  prop('is_family_shared', 'boolean', 'The primary subscription is shared with the user through family sharing.'),
  prop('content_id', 'string', 'Content the primary subscription was bought for.'),
  prop('purchasely_subscription_id', 'string', 'Purchasely ID of the primary subscription.'),
  prop('subscription_started_at', 'date', 'When the primary subscription was first purchased.'),
  prop('purchased_at', 'date', 'Latest purchase or renewal of the primary subscription.'),
  prop('original_purchased_at', 'date', 'First purchase of the primary subscription.'),
  prop('next_renewal_at', 'date', 'Next renewal date the store announced for the primary subscription.'),
  prop('effective_next_renewal_at', 'date', 'Next renewal date after deferrals and pauses.'),
  prop('grace_period_expires_at', 'date', 'End of the primary subscription’s grace period.'),
  prop('is_auto_renewing', 'boolean', 'The primary subscription will renew automatically.'),
  prop('is_in_grace_period', 'boolean', 'The primary subscription is in a billing grace period.'),
  prop('is_in_billing_retry', 'boolean', 'The store is retrying a failed payment of the primary subscription.'),
  prop('is_in_trial', 'boolean', 'The primary subscription grants access through a free trial.'),
  prop('is_in_intro_offer', 'boolean', 'The primary subscription grants access at an introductory price.'),
  prop('is_promo_code', 'boolean', 'The primary subscription grants access through a promo code.'),
  prop('trial_ends_at', 'date', 'When the current free trial ends.'),
  prop('last_event', 'string', 'Name of the user’s latest Purchasely event.'),
  prop('cumulated_revenue_in_usd', 'number', 'Total revenue from the user in USD (Purchasely’s cumulated_revenues_in_usd).'),
  prop('expired_subscription_status', 'string', 'Status of the user’s latest lapsed subscription (ON_HOLD, DEACTIVATED, REVOKED, PAUSED, UNPAID, CANCELED).'),
  prop('expired_subscription_plan', 'string', 'Plan of the user’s latest lapsed subscription.'),
  prop('expired_subscription_offer_type', 'string', 'Offer type of the user’s latest lapsed subscription.'),
  prop('expired_subscription_expired_at', 'date', 'When the user’s latest lapsed subscription lost access.'),
  extra('cumulated_revenues', 'number', 'Total revenue from the user in the integration currency (latest cumulated_revenues_in_<cur>).'),
  extra('revenue_currency', 'string', 'Currency of cumulated_revenues (ISO 4217, upper case).'),
  extra('has_lifetime_access', 'boolean', 'The user owns a non-consumable one-time purchase (a lifetime unlock) that grants access.'),
  extra('last_one_time_purchase_at', 'date', 'When the user last bought a one-time purchase (consumable or non-consumable).'),
]);

const PROPERTY_TYPES: ReadonlyMap<string, UserPropertyType> = new Map(USER_PROPERTY_CATALOG.map((p) => [p.name, p.type]));

/** The catalogue type of a user property, or undefined for a name the bridge does not derive. */
export function userPropertyType(name: string): UserPropertyType | undefined {
  return PROPERTY_TYPES.get(name);
}
