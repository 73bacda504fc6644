/**
 * Pure comparison of the profile pcbridge means CleverTap to hold with the one CleverTap holds.
 * Only the properties pcbridge manages (the enabled user properties, under their CleverTap
 * names) are compared; dates are compared as epoch seconds, whichever form either side uses.
 */
import type { ProfileValue } from '../clevertap/types.js';
import { userPropertyType, type UserPropertyType } from '../purchasely/catalog.js';
import type { IntegrationSettings } from '../settings/index.js';

/** One managed property whose value differs; `null` stands for "absent". */
export interface ProfileDifference {
  /** The CleverTap name (the rename when there is one). */
  property: string;
  snapshot: unknown;
  clevertap: unknown;
}

/**
 * A profile as CleverTap holds it once it accepted `profileData`: the `{"$delete": true}`
 * entries mean "absent", so they are left out.
 */
export function presentProperties(profileData: Readonly<Record<string, ProfileValue | unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(profileData)) {
    if (isDeleteCommand(value)) continue;
    out[key] = value;
  }
  return out;
}

function isDeleteCommand(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && '$delete' in value;
}

const CLEVERTAP_DATE = /^\$D_(-?\d+)$/;

/**
 * A value brought to one form for comparison: absent and `$delete` → null; dates → epoch seconds
 * (from `$D_<s>`, a number of seconds, or an RFC 3339 string); a boolean or number that came as
 * text → its value.
 */
export function normaliseValue(value: unknown, type: UserPropertyType | undefined): unknown {
  if (value === undefined || value === null || isDeleteCommand(value)) return null;
  if (type === 'date') {
    if (typeof value === 'number' && Number.isFinite(value)) return Math.floor(value);
    if (typeof value === 'string') {
      const d = CLEVERTAP_DATE.exec(value);
      if (d) return Number(d[1]);
      const ms = Date.parse(value);
      if (/^\d{4}-\d{2}-\d{2}T/.test(value) && Number.isFinite(ms)) return Math.floor(ms / 1000);
    }
    return value;
  }
  if (type === 'boolean' && typeof value === 'string' && (value === 'true' || value === 'false')) return value === 'true';
  if (type === 'number' && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return value;
}

/**
 * The managed properties whose values differ between `snapshot` (pcbridge's profile, CleverTap
 * names) and `clevertap` (CleverTap's `profileData`), in settings order. Properties not enabled
 * in `settings`, and CleverTap's own (Name, Email, …), are ignored.
 */
export function compareProfiles(
  settings: Pick<IntegrationSettings, 'userProperties'>,
  snapshot: Readonly<Record<string, unknown>>,
  clevertap: Readonly<Record<string, unknown>>,
): ProfileDifference[] {
  const differences: ProfileDifference[] = [];
  for (const [key, entry] of Object.entries(settings.userProperties)) {
    if (!entry.enabled) continue;
    const type = userPropertyType(key);
    const ours = Object.hasOwn(snapshot, entry.name) ? snapshot[entry.name] : undefined;
    const theirs = Object.hasOwn(clevertap, entry.name) ? clevertap[entry.name] : undefined;
    if (JSON.stringify(normaliseValue(ours, type)) === JSON.stringify(normaliseValue(theirs, type))) continue;
    differences.push({ property: entry.name, snapshot: isDeleteCommand(ours) ? null : (ours ?? null), clevertap: isDeleteCommand(theirs) ? null : (theirs ?? null) });
  }
  return differences;
}
