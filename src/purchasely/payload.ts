/**
 * Purchasely server-event payloads (webhook API v3) and the one parser that turns a signed raw
 * body into a usable event or a quarantine reason (SPEC §2).
 *
 * Imports only money-attributes.ts and storable-text.ts (which import nothing): the client SDK
 * re-exports these types.
 */
import { normalizeMoneyAttributes } from './money-attributes.js';
import { mayHoldUnstorableText, toStorableJson } from './storable-text.js';

/** Widens a string-literal union so values Purchasely adds later still type-check. */
type OpenString<T extends string> = T | (string & {});

export type PurchaselyEnvironment = OpenString<'SANDBOX' | 'PRODUCTION'>;

/** Both spellings the docs use for Amazon and Huawei are listed. */
export type PurchaselyStore = OpenString<'APPLE_APP_STORE' | 'GOOGLE_PLAY_STORE' | 'AMAZON_APPSTORE' | 'AMAZON_APP_STORE' | 'HUAWEI_APPGALLERY' | 'HUAWEI_APP_GALLERY' | 'STRIPE'>;

export type SubscriptionStatus = OpenString<
  'AUTO_RENEWING' | 'ON_HOLD' | 'IN_GRACE_PERIOD' | 'AUTO_RENEWING_CANCELED' | 'DEACTIVATED' | 'REVOKED' | 'PAUSED' | 'UNPAID' | 'CANCELED'
>;

export type OfferType = OpenString<'NONE' | 'FREE_TRIAL' | 'INTRO_OFFER' | 'PROMO_CODE' | 'PROMOTIONAL_OFFER'>;

export type PurchaseType = OpenString<'CONSUMABLE' | 'NON_CONSUMABLE' | 'NON_RENEWING_SUBSCRIPTION' | 'RENEWING_SUBSCRIPTION'>;

export type DeviceType = OpenString<'COMPUTER' | 'PAD' | 'PHONE' | 'TV'>;

/**
 * One server event as Purchasely posts it: flat JSON, every documented attribute optional (the
 * bridge must cope with whatever arrives). Dates come as RFC 3339 strings with an epoch-ms twin
 * `<name>_ms`. Currency-suffixed amounts (`plan_price_in_eur`, `amount_in_usd`,
 * `cumulated_revenues_in_eur`, …) fall under the index signature.
 */
export interface PurchaselyEventPayload {
  [attribute: string]: unknown;
  api_version?: number;
  event_name?: string;
  event_id?: string;
  event_created_at?: string;
  event_created_at_ms?: number;
  purchase_type?: PurchaseType;
  product?: string;
  store_product_id?: string;
  store_transaction_id?: string;
  store_original_transaction_id?: string;
  purchased_at?: string;
  purchased_at_ms?: number;
  original_purchased_at?: string;
  original_purchased_at_ms?: number;
  environment?: PurchaselyEnvironment;
  offer_type?: OfferType;
  store_app_bundle_id?: string;
  store_country?: string | null;
  user_id?: string | null;
  anonymous_user_id?: string | null;
  device_id?: string | null;
  device_type?: DeviceType | null;
  store?: PurchaselyStore;
  plan?: string | null;
  previous_plan?: string | null;
  content_id?: string | null;
  customer_currency?: string | null;
  /** A number; Purchasely's attributes table says string, so `"9.99"` arrives too. */
  plan_price_in_customer_currency?: number | string | null;
  amount_in_customer_currency?: number | string | null;
  source_event_name?: string | null;
  purchasely_subscription_id?: string | null;
  from_purchasely_subscription_id?: string | null;
  purchasely_one_time_purchase_id?: string | null;
  transferred_from_user_id?: string | null;
  transferred_to_user_id?: string | null;
  transferred_from_anonymous_user_id?: string | null;
  transferred_to_anonymous_user_id?: string | null;
  is_family_shared?: boolean | null;
  previous_offer_type?: OfferType | null;
  subscription_status?: SubscriptionStatus | null;
  grace_period_expires_at?: string | null;
  grace_period_expires_at_ms?: number | null;
  effective_next_renewal_at?: string | null;
  effective_next_renewal_at_ms?: number | null;
  next_renewal_at?: string | null;
  next_renewal_at_ms?: number | null;
  defer_end_at?: string | null;
  defer_end_at_ms?: number | null;
  auto_resume_at?: string | null;
  auto_resume_at_ms?: number | null;
  presentation?: string | null;
  placement?: string | null;
  ab_test?: string | null;
  ab_test_variant?: string | null;
  audience?: string | null;
  /** A store credential: never forwarded (SPEC §4 Mapping). */
  purchase_token?: string | null;
  offer_code_ref_name?: string | null;
  offer_identifier?: string | null;
  promotional_offer_id?: string | null;
}

/** A payload that passed the quarantine rules, with the fields everything downstream keys on. */
export type ParsedEvent = {
  eventId: string;
  eventName: string;
  /** `event_created_at_ms`, or `event_created_at` parsed when the twin is missing. */
  eventCreatedAtMs: number;
  userId: string | null;
  anonymousUserId: string | null;
  /** `user_id`, else `anonymous_user_id` (SPEC §4); null means the event is `skipped: no_user_key`. */
  userKey: string | null;
  environment: PurchaselyEnvironment | null;
  /**
   * The whole JSON object as received (own keys only matter; `__proto__` may be an own key),
   * except that: every NUL and lone surrogate, in any string or key at any depth, is U+FFFD
   * (storable-text.ts; the ids above come from this payload); money attributes given as
   * decimal strings hold their numbers; top-level `<name>_ms` dates out of range are left out
   * (see `outOfRangeDates`).
   */
  payload: Record<string, unknown>;
  /** Money attributes whose value is no number (kept as they came; see money-attributes.ts). */
  unreadableAmounts: readonly string[];
  /**
   * Top-level `<name>_ms` attributes whose number is no date between years 0 and 9999 (see
   * isSerializableDateMs), removed from `payload`: neither the state nor the records see them,
   * so `<name>` (an RFC 3339 string) speaks alone when it is there.
   */
  outOfRangeDates: readonly string[];
};

export type ParseResult = { ok: true; event: ParsedEvent } | { ok: false; reason: string };

// event_id is an idempotency key stored and indexed forever; a kilobyte one is not a Purchasely id.
const MAX_EVENT_ID_LENGTH = 256;
const MAX_EVENT_NAME_LENGTH = 256;
// Full RFC 3339 date-time; Date.parse alone accepts far looser text ("1", "March 7").
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** 0000-01-01T00:00:00.000Z: the first instant an ISO 8601 date-time without a sign can show. */
export const MIN_DATE_MS = -62_167_219_200_000;
/** 9999-12-31T23:59:59.999Z: the last instant an ISO 8601 date-time without a sign can show. */
export const MAX_DATE_MS = 253_402_300_799_999;

/**
 * True for epoch milliseconds between years 0 and 9999: what `Date#toISOString` shows as a
 * plain RFC 3339 date-time (beyond, it throws or writes a six-digit signed year), what a
 * `$D_` CleverTap date means (and well within PostgreSQL's BIGINT).
 */
export function isSerializableDateMs(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_DATE_MS && ms <= MAX_DATE_MS;
}

/**
 * Parses a (signature-verified) raw body. Quarantine reasons, stable for the log:
 * `invalid_encoding`, `invalid_json`, `not_an_object`, `missing_event_id`, `invalid_event_id`
 * (empty or over 256 characters), `missing_event_name`, `invalid_event_name`,
 * `missing_event_created_at`, `event_created_at_out_of_range` (before year 0 or after 9999).
 * Never throws, whatever the bytes. Text no store can hold is normalised (see `payload`).
 */
export function parsePurchaselyEvent(raw: Buffer | string): ParseResult {
  try {
    return parseOrThrow(raw);
  } catch {
    // e.g. a RangeError from pathological nesting: still a quarantine, never a crash.
    return { ok: false, reason: 'invalid_json' };
  }
}

function parseOrThrow(raw: Buffer | string): ParseResult {
  const text = decodeBody(raw);
  if (text === null) return { ok: false, reason: 'invalid_encoding' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not_an_object' };
  }
  // A scan of the text first: the common payload holds no escape that could need the walk.
  const payload = mayHoldUnstorableText(text, typeof raw !== 'string') ? toStorableJson(value as Record<string, unknown>) : (value as Record<string, unknown>);
  const eventId = ownString(payload, 'event_id');
  if (eventId === null) return { ok: false, reason: 'missing_event_id' };
  if (!isUsableEventId(eventId)) return { ok: false, reason: 'invalid_event_id' };
  const eventName = ownString(payload, 'event_name');
  if (eventName === null) return { ok: false, reason: 'missing_event_name' };
  if (eventName.trim().length === 0 || eventName.length > MAX_EVENT_NAME_LENGTH) {
    return { ok: false, reason: 'invalid_event_name' };
  }
  const eventCreatedAtMs = readCreatedAtMs(payload);
  if (eventCreatedAtMs === null) return { ok: false, reason: 'missing_event_created_at' };
  if (!isSerializableDateMs(eventCreatedAtMs)) return { ok: false, reason: 'event_created_at_out_of_range' };

  const userId = nonEmptyString(ownValue(payload, 'user_id'));
  const anonymousUserId = nonEmptyString(ownValue(payload, 'anonymous_user_id'));
  return {
    ok: true,
    event: {
      eventId,
      eventName,
      eventCreatedAtMs,
      userId,
      anonymousUserId,
      userKey: userId ?? anonymousUserId,
      environment: nonEmptyString(ownValue(payload, 'environment')),
      payload,
      unreadableAmounts: normalizeMoneyAttributes(payload),
      outOfRangeDates: removeOutOfRangeDates(payload),
    },
  };
}

const MS_SUFFIX = '_ms';

/** Deletes the top-level `<name>_ms` numbers that are no date (see ParsedEvent.outOfRangeDates). */
function removeOutOfRangeDates(payload: Record<string, unknown>): readonly string[] {
  let removed: string[] | undefined;
  // This runs on every webhook: for…in over a parsed object (whose prototype is
  // Object.prototype, nothing enumerable there) allocates no key array, and the cheap type and
  // range tests come first.
  for (const key in payload) {
    const value = payload[key];
    if (typeof value !== 'number' || isSerializableDateMs(value) || !key.endsWith(MS_SUFFIX) || key === 'event_created_at_ms' || !Object.hasOwn(payload, key)) continue;
    delete payload[key];
    (removed ??= []).push(key);
  }
  return removed ?? NONE;
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Purchasely sends UTF-8. A UTF-8 byte-order mark is dropped; UTF-16 with a BOM is decoded
 * (harmless to accept); anything that is not valid text is refused rather than guessed at.
 */
/**
 * An `event_id` the bridge can key an event by: not blank, at most 256 characters, and not "."
 * or ".." — those cannot travel as a path segment (every URL parser resolves them, even written
 * %2E), so such an event could never be read or replayed by its id.
 */
export function isUsableEventId(eventId: string): boolean {
  return eventId.trim().length > 0 && eventId.length <= MAX_EVENT_ID_LENGTH && eventId !== '.' && eventId !== '..';
}

function decodeBody(raw: Buffer | string): string | null {
  if (typeof raw === 'string') return raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (!Buffer.isBuffer(raw) && !((raw as unknown) instanceof Uint8Array)) return null;
  const bytes = raw as Uint8Array;
  let encoding = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';
  try {
    // TextDecoder strips the BOM of the chosen encoding (ignoreBOM defaults to false).
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function readCreatedAtMs(payload: Record<string, unknown>): number | null {
  const ms = ownValue(payload, 'event_created_at_ms');
  if (typeof ms === 'number' && Number.isFinite(ms)) return Math.floor(ms);
  const text = ownValue(payload, 'event_created_at');
  if (typeof text === 'string' && RFC3339_RE.test(text)) {
    const parsed = Date.parse(text);
    if (Number.isFinite(parsed)) return parsed;
  }
  return null;
}

/** Reads an own property only: a payload key must never resolve through the prototype chain. */
function ownValue(payload: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(payload, key) ? payload[key] : undefined;
}

function ownString(payload: Record<string, unknown>, key: string): string | null {
  const value = ownValue(payload, key);
  return typeof value === 'string' ? value : null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** True for a full RFC 3339 date-time string (the form Purchasely uses for every date). */
export function isRfc3339DateTime(value: unknown): value is string {
  return typeof value === 'string' && RFC3339_RE.test(value) && Number.isFinite(Date.parse(value));
}
