import { isRfc3339DateTime } from '../purchasely/payload.js';

/**
 * The attributes of a subscription as its latest event states them: primitive payload values
 * only, nulls dropped (null means unset). JSON-serialisable; keys are payload attribute names.
 */
export type SubscriptionFields = Record<string, string | number | boolean>;

// Attributes that describe the event, the user or one transaction rather than the subscription;
// purchase_token is a store credential and must not sit in the state at all.
const EVENT_LEVEL_ATTRIBUTES: ReadonlySet<string> = new Set([
  'api_version',
  'event_id',
  'event_name',
  'event_created_at',
  'event_created_at_ms',
  'source_event_name',
  'purchase_token',
  'device_id',
  'device_type',
  'user_id',
  'anonymous_user_id',
  'transferred_from_user_id',
  'transferred_to_user_id',
  'transferred_from_anonymous_user_id',
  'transferred_to_anonymous_user_id',
  'presentation',
  'placement',
  'ab_test',
  'ab_test_variant',
  'audience',
  'amount_in_customer_currency',
]);
const EVENT_LEVEL_PATTERNS: readonly RegExp[] = [/^amount_in_/, /^cumulated_revenues_in_/];
// Payload attributes are snake_case; anything else (including "__proto__") is not kept.
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]*$/;

/** Whether an attribute of that name belongs to the subscription (decided once per name). */
function isSubscriptionAttribute(name: string): boolean {
  let kept = SUBSCRIPTION_ATTRIBUTE_CACHE.get(name);
  if (kept === undefined) {
    kept = ATTRIBUTE_NAME.test(name) && !EVENT_LEVEL_ATTRIBUTES.has(name) && !EVENT_LEVEL_PATTERNS.some((re) => re.test(name));
    // Payload names are few and repeat event after event; a bound keeps odd senders from growing it.
    if (SUBSCRIPTION_ATTRIBUTE_CACHE.size >= MAX_CACHED_NAMES) SUBSCRIPTION_ATTRIBUTE_CACHE.clear();
    SUBSCRIPTION_ATTRIBUTE_CACHE.set(name, kept);
  }
  return kept;
}
const SUBSCRIPTION_ATTRIBUTE_CACHE = new Map<string, boolean>();
const MAX_CACHED_NAMES = 10_000;

/** Picks the subscription-level attributes out of a payload (see SubscriptionFields), sorted by name. */
export function extractSubscriptionFields(payload: Record<string, unknown>): SubscriptionFields {
  const fields: SubscriptionFields = {};
  // Filtered before sorting: about a third of a payload's attributes are event-level.
  for (const name of Object.keys(payload).filter(isSubscriptionAttribute).sort()) {
    const value = payload[name];
    if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      fields[name] = value;
    }
  }
  return fields;
}

/** A string attribute, or null when unset or not a string. */
export function stringField(fields: SubscriptionFields, name: string): string | null {
  const value = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  return typeof value === 'string' ? value : null;
}

/** A boolean attribute, or null when unset or not a boolean. */
export function booleanField(fields: SubscriptionFields, name: string): boolean | null {
  const value = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  return typeof value === 'boolean' ? value : null;
}

/**
 * A date attribute as epoch milliseconds: the `<name>_ms` twin when it is a number, else the
 * RFC 3339 string itself; null when unset.
 */
export function dateField(fields: SubscriptionFields, name: string): number | null {
  const twin = Object.prototype.hasOwnProperty.call(fields, `${name}_ms`) ? fields[`${name}_ms`] : undefined;
  if (typeof twin === 'number' && Number.isFinite(twin)) return Math.floor(twin);
  const text = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
  return isRfc3339DateTime(text) ? Date.parse(text) : null;
}
