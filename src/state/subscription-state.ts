import { isTransferEvent } from '../purchasely/catalog.js';
import type { ParsedEvent } from '../purchasely/payload.js';
import { compareEventKeys, eventKeyOf, isLater, laterRef, type EventKey, type EventRef } from './event-key.js';
import { extractSubscriptionFields, stringField, type SubscriptionFields } from './subscription-fields.js';

/** What one user's (non-transfer) events say about a subscription. `userKey` is '' for events without one. */
export type SubscriptionUserSlice = {
  userKey: string;
  /** The user's latest non-transfer event on this subscription, with its whole field set. */
  latest: EventRef & { fields: SubscriptionFields };
  /** The user's latest ACTIVATE / DEACTIVATE on this subscription. */
  entitlement: EventRef | null;
  /** The user's latest billing event (see BILLING_EVENTS). */
  billing: EventRef | null;
};

/** The subscription's latest transfer event. */
export type SubscriptionTransfer = EventRef & {
  /** User key of the event itself ('' when it had none). */
  userKey: string;
  /** `transferred_to_user_id`, else `transferred_to_anonymous_user_id` (a *_RECEIVED event's own user key when both are missing). */
  to: string | null;
  /**
   * Users the subscription moved away from, gathered over every transfer event created in the
   * same millisecond as this one (so the TRANSFERRED/RECEIVED pair agree whatever their ids).
   */
  from: string[];
  fields: SubscriptionFields;
};

/**
 * The persisted state of one subscription in one (app, environment): JSON-serialisable and
 * canonical — the same set of events gives a deep-equal object in any folding order.
 * A store keeps it per (app, environment, subscriptionId), ideally with `ownerOf(state)` as an
 * indexed column so a user's subscriptions can be loaded.
 */
export type SubscriptionState = {
  version: 1;
  subscriptionId: string;
  environment: string | null;
  /** One slice per user key that sent events about this subscription, sorted by user key. */
  users: SubscriptionUserSlice[];
  transfer: SubscriptionTransfer | null;
};

/** The subscription as SPEC §4 reads it, derived from the state (see viewSubscription). */
export type SubscriptionView = {
  subscriptionId: string;
  environment: string | null;
  latest: EventRef & { fields: SubscriptionFields };
  entitlement: EventRef | null;
  billing: EventRef | null;
  transfer: SubscriptionTransfer | null;
  owner: string | null;
};

/**
 * Events that start or end a billing retry. `is_in_billing_retry` holds while the latest of them
 * is ENTERED_BILLING_RETRY. Grace-period events are left out on purpose: GRACE_PERIOD_TERMINATED
 * often shares its millisecond with ENTERED_BILLING_RETRY, and a tie broken by event id would
 * make the answer arbitrary.
 */
export const BILLING_EVENTS: ReadonlySet<string> = new Set([
  'ENTERED_BILLING_RETRY',
  'SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY',
  'SUBSCRIPTION_RENEWED',
  'SUBSCRIPTION_REACTIVATED',
  'SUBSCRIPTION_TERMINATED',
]);

const ENTITLEMENT_EVENTS: ReadonlySet<string> = new Set(['ACTIVATE', 'DEACTIVATE']);

/**
 * The subscription an event belongs to: `purchasely_subscription_id`, else
 * `purchasely_one_time_purchase_id`, else `store_original_transaction_id` (SPEC §4); null when
 * none is a non-empty string.
 */
export function subscriptionIdOf(ev: ParsedEvent): string | null {
  for (const name of ['purchasely_subscription_id', 'purchasely_one_time_purchase_id', 'store_original_transaction_id']) {
    const value = Object.prototype.hasOwnProperty.call(ev.payload, name) ? ev.payload[name] : undefined;
    if (typeof value === 'string' && value.length > 0) return value;
  }
  return null;
}

/**
 * Folds one event into a subscription's state. Pure; the result depends only on the set of
 * events folded so far (ties on the whole key keep the earlier fold, so a repeated event is a no-op).
 * Call it only for events whose `subscriptionIdOf` is this subscription: anything else is a
 * programming error and throws.
 */
export function foldSubscription(prev: SubscriptionState | null, ev: ParsedEvent): SubscriptionState {
  const subscriptionId = subscriptionIdOf(ev);
  if (subscriptionId === null) throw new TypeError(`event ${ev.eventId} belongs to no subscription`);
  if (prev !== null && prev.subscriptionId !== subscriptionId) {
    throw new TypeError(`event ${ev.eventId} belongs to subscription ${subscriptionId}, not ${prev.subscriptionId}`);
  }
  const base: SubscriptionState = prev ?? {
    version: 1,
    subscriptionId,
    environment: ev.environment,
    users: [],
    transfer: null,
  };
  const key = eventKeyOf(ev);
  if (isTransferEvent(ev.eventName)) return { ...base, transfer: foldTransfer(base.transfer, ev, key) };
  return { ...base, users: foldUserSlice(base.users, ev, key) };
}

function foldUserSlice(users: SubscriptionUserSlice[], ev: ParsedEvent, key: EventKey): SubscriptionUserSlice[] {
  const userKey = ev.userKey ?? '';
  const ref: EventRef = { key, name: ev.eventName };
  const current = users.find((slice) => slice.userKey === userKey) ?? null;
  const next: SubscriptionUserSlice = {
    userKey,
    latest: isLater(key, current?.latest.key) ? { ...ref, fields: extractSubscriptionFields(ev.payload) } : (current as SubscriptionUserSlice).latest,
    entitlement: ENTITLEMENT_EVENTS.has(ev.eventName) ? laterRef(current?.entitlement ?? null, ref) : (current?.entitlement ?? null),
    billing: BILLING_EVENTS.has(ev.eventName) ? laterRef(current?.billing ?? null, ref) : (current?.billing ?? null),
  };
  const others = users.filter((slice) => slice.userKey !== userKey);
  // Sorted so that the persisted state is canonical (deep-equal whatever the folding order).
  return [...others, next].sort((a, b) => (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : 0));
}

function foldTransfer(current: SubscriptionTransfer | null, ev: ParsedEvent, key: EventKey): SubscriptionTransfer {
  const from = transferSourcesOf(ev);
  if (current !== null && key.ms < current.key.ms) return current;
  const sameInstant = current !== null && key.ms === current.key.ms;
  const mergedFrom = sameInstant ? uniqueSorted([...current.from, ...from]) : uniqueSorted(from);
  if (current !== null && !isLater(key, current.key)) return { ...current, from: mergedFrom };
  return {
    key,
    name: ev.eventName,
    userKey: ev.userKey ?? '',
    to: transferTargetOf(ev),
    from: mergedFrom,
    fields: extractSubscriptionFields(ev.payload),
  };
}

function transferTargetOf(ev: ParsedEvent): string | null {
  const fields = ev.payload;
  const to = nonEmpty(fields['transferred_to_user_id']) ?? nonEmpty(fields['transferred_to_anonymous_user_id']);
  if (to !== null) return to;
  // A *_RECEIVED event is sent to the new owner, so its own user key names the target.
  return ev.eventName.endsWith('_RECEIVED') ? ev.userKey : null;
}

function transferSourcesOf(ev: ParsedEvent): string[] {
  const fields = ev.payload;
  const sources = [nonEmpty(fields['transferred_from_user_id']), nonEmpty(fields['transferred_from_anonymous_user_id'])];
  // A *_TRANSFERRED event is sent to the previous owner, so its own ids name the source.
  if (ev.eventName.endsWith('_TRANSFERRED')) sources.push(ev.userId, ev.anonymousUserId);
  return sources.filter((s): s is string => s !== null);
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function uniqueSorted(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/**
 * Reads a subscription the way SPEC §4 does.
 *
 * Latest event, owner, entitlement and billing come from the latest transfer and the users'
 * slices, with one refinement of the plain "latest event" rule: once the subscription was
 * transferred, events of the users it moved away from no longer speak for it. Purchasely sends
 * the previous owner a DEACTIVATE with the transfer, often in the same millisecond; as
 * DEACTIVATE ranks last it would otherwise win and hand the subscription (revoked) back to the
 * previous owner. So: owner = `transferred_to` of the latest transfer when that transfer is
 * newer than every other considered event, else the user key of the latest considered event.
 */
export function viewSubscription(sub: SubscriptionState): SubscriptionView {
  const transfer = sub.transfer;
  const movedAway = new Set(transfer !== null && transfer.to !== null ? transfer.from.filter((k) => k !== transfer.to) : []);
  const considered = sub.users.filter((slice) => !movedAway.has(slice.userKey));

  let latest: (EventRef & { fields: SubscriptionFields }) | null = null;
  let owner: string | null = null;
  let entitlement: EventRef | null = null;
  let billing: EventRef | null = null;
  for (const slice of considered) {
    if (isLater(slice.latest.key, latest?.key)) {
      latest = slice.latest;
      owner = slice.userKey || null;
    }
    entitlement = laterRef(entitlement, slice.entitlement);
    billing = laterRef(billing, slice.billing);
  }
  if (transfer !== null && isLater(transfer.key, latest?.key)) {
    latest = { key: transfer.key, name: transfer.name, fields: transfer.fields };
    owner = transfer.to ?? (transfer.userKey || null);
  }
  if (latest === null) {
    // Only reachable with a hand-made state whose every slice was excluded and no transfer: fall back to all slices.
    return viewSubscription({ ...sub, transfer: null });
  }
  return { subscriptionId: sub.subscriptionId, environment: sub.environment, latest, entitlement, billing, transfer, owner };
}

/** The user key that owns the subscription (SPEC §4 transfer rule, see viewSubscription); null if unknown. */
export function ownerOf(sub: SubscriptionState): string | null {
  return viewSubscription(sub).owner;
}

/** The key of the subscription's latest event (as viewSubscription reads it). */
export function latestKeyOf(sub: SubscriptionState): EventKey {
  return viewSubscription(sub).latest.key;
}

const ENTITLED_STATUSES: ReadonlySet<string> = new Set(['AUTO_RENEWING', 'AUTO_RENEWING_CANCELED', 'IN_GRACE_PERIOD']);

/**
 * Entitled (SPEC §4): the latest entitlement event is ACTIVATE or, with none yet, the latest
 * event's `subscription_status` is AUTO_RENEWING, AUTO_RENEWING_CANCELED or IN_GRACE_PERIOD.
 */
export function isEntitled(view: SubscriptionView): boolean {
  if (view.entitlement !== null) return view.entitlement.name === 'ACTIVATE';
  const status = stringField(view.latest.fields, 'subscription_status');
  return status !== null && ENTITLED_STATUSES.has(status);
}

/** Orders views by their latest event (for "the subscription with the latest event"). */
export function compareByLatest(a: SubscriptionView, b: SubscriptionView): number {
  return compareEventKeys(a.latest.key, b.latest.key);
}
