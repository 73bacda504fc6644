import { categoryRank } from '../purchasely/catalog.js';
import type { ParsedEvent } from '../purchasely/payload.js';

/**
 * The total order behind every "latest" of SPEC §4: creation time, then category rank (so that
 * within one millisecond ACTIVATE < lifecycle < offer < TRANSACTION_PROCESSED < DEACTIVATE),
 * then `event_id`. Because it is total, folding a set of events gives one answer in any order.
 */
export type EventKey = { ms: number; rank: number; id: string };

/** An event reduced to what the state keeps about it: its order key and name. */
export type EventRef = { key: EventKey; name: string };

/** Negative, zero or positive like a sort comparator; ids compare by UTF-16 code units (locale-free). */
export function compareEventKeys(a: EventKey, b: EventKey): number {
  if (a.ms !== b.ms) return a.ms < b.ms ? -1 : 1;
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** The order key of a parsed event. */
export function eventKeyOf(ev: ParsedEvent): EventKey {
  return { ms: ev.eventCreatedAtMs, rank: categoryRank(ev.eventName), id: ev.eventId };
}

/** True when `candidate` is strictly later than `current` (or there is no current). Ties keep the current one. */
export function isLater(candidate: EventKey, current: EventKey | null | undefined): boolean {
  return current == null || compareEventKeys(candidate, current) > 0;
}

/** The later of two refs (the first on a tie), either may be null. */
export function laterRef<T extends { key: EventKey }>(a: T | null, b: T | null): T | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareEventKeys(b.key, a.key) > 0 ? b : a;
}
