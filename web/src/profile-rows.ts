/**
 * Lays the Identity page's profile comparison out: pcbridge's snapshot beside what CleverTap
 * holds and what pcbridge last delivered, one row per property pcbridge manages, the server's
 * `differences` marking the rows that differ. Pure, so it is unit-tested.
 */
import type { ProfileViewOut } from './api.js';

/** A property's value in one column; `undefined` stands for absent. */
export interface ProfileRow {
  property: string;
  snapshot: unknown;
  clevertap: unknown;
  lastDelivered: unknown;
  /** The server found CleverTap's value different from the snapshot (dates compared as epoch seconds). */
  differs: boolean;
  /** What pcbridge last delivered is not the snapshot yet (a change still on its way, or never sent). */
  undelivered: boolean;
}

const has = (o: Record<string, unknown> | null | undefined, key: string): boolean => o !== null && o !== undefined && Object.hasOwn(o, key);
const get = (o: Record<string, unknown> | null | undefined, key: string): unknown => (has(o, key) ? o![key] : undefined);

/** `{"$delete": true}` is a removal: the property is absent once it is applied. */
function isRemoval(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['$delete'] === true;
}

function same(a: unknown, b: unknown): boolean {
  const absentA = a === undefined || a === null || isRemoval(a);
  const absentB = b === undefined || b === null || isRemoval(b);
  if (absentA || absentB) return absentA && absentB;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * One row per managed property: the snapshot's, then those only last delivered, then those the
 * server named in `differences` (a property CleverTap holds that the snapshot lacks).
 */
export function profileRows(view: Pick<ProfileViewOut, 'snapshot' | 'lastDelivered' | 'clevertap' | 'differences'>): ProfileRow[] {
  const differing = new Set(view.differences.map((d) => d.property));
  const keys: string[] = [];
  const seen = new Set<string>();
  const add = (key: string) => {
    if (!seen.has(key)) {
      seen.add(key);
      keys.push(key);
    }
  };
  Object.keys(view.snapshot).forEach(add);
  Object.keys(view.lastDelivered ?? {}).forEach(add);
  view.differences.forEach((d) => add(d.property));
  return keys.map((property) => {
    const snapshot = get(view.snapshot, property);
    const lastDelivered = get(view.lastDelivered, property);
    return {
      property,
      snapshot,
      clevertap: get(view.clevertap, property),
      lastDelivered,
      differs: differing.has(property),
      undelivered: view.lastDelivered !== null && !same(snapshot, lastDelivered),
    };
  });
}

/** CleverTap's properties pcbridge does not manage (its own, other sources'), for a folded list. */
export function otherClevertapProperties(view: Pick<ProfileViewOut, 'snapshot' | 'lastDelivered' | 'clevertap' | 'differences'>): [string, unknown][] {
  const managed = new Set(profileRows(view).map((r) => r.property));
  return Object.entries(view.clevertap ?? {}).filter(([key]) => !managed.has(key));
}

/**
 * A profile value as text: absent as "—", `$D_<seconds>` as a UTC date and time, text as is,
 * anything else as JSON.
 */
export function formatProfileValue(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (isRemoval(value)) return '— (removed)';
  if (typeof value === 'string') {
    const date = /^\$D_(-?\d+)$/.exec(value);
    if (date) {
      const d = new Date(Number(date[1]) * 1000);
      if (!Number.isNaN(d.getTime()))
        return `${d
          .toISOString()
          .replace('T', ' ')
          .replace(/\.000Z$/, ' UTC')}`;
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
