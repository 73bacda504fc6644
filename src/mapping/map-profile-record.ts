import { truncateUtf8 } from '../clevertap/naming.js';
import type { ProfileRecordBody, Scalar } from '../clevertap/types.js';
import { USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import type { IntegrationSettings } from '../settings/schema.js';
import type { UserProperties } from './types.js';
import { formatCleverTapDate, parseRfc3339 } from './clevertap-date.js';

const DATE_PROPERTIES: ReadonlySet<string> = new Set(
  USER_PROPERTY_CATALOG.filter((p) => p.type === 'date').map((p) => p.name),
);

/**
 * The CleverTap profile record after an event, or null when no enabled user property changed
 * between `before` (null: the user had no snapshot yet) and `after`.
 *
 * `profileData` holds every enabled property under its CleverTap name — not only the changed
 * ones — so a single record always carries the complete current snapshot (a replay or a lost
 * record is healed by the next one). Dates (epoch ms in the snapshot) become `"$D_<seconds>"`;
 * strings are cut to 512 bytes; null values are left out, because CleverTap has no null and
 * the upload API cannot unset a property: a property that becomes null keeps its last value in
 * CleverTap. When every enabled property is null there is nothing to send (null).
 *
 * `ts` is Unix seconds (the event's `floor(event_created_at_ms / 1000)`).
 */
export function mapProfileRecord(
  before: UserProperties | null,
  after: UserProperties,
  settings: Pick<IntegrationSettings, 'userProperties'>,
  ts: number,
): ProfileRecordBody | null {
  const enabled = Object.entries(settings.userProperties).filter(([, entry]) => entry.enabled);
  const changed = enabled.some(([key]) => (before?.[key] ?? null) !== (after[key] ?? null));
  if (!changed) return null;

  const profileData: Record<string, Scalar> = {};
  for (const [key, entry] of enabled) {
    const value = toProfileValue(key, after[key]);
    if (value !== null) profileData[entry.name] = value;
  }
  if (Object.keys(profileData).length === 0) return null;
  return { type: 'profile', profileData, ts: Math.floor(ts) };
}

function toProfileValue(key: string, value: string | number | boolean | null | undefined): Scalar | null {
  if (value === null || value === undefined) return null;
  if (DATE_PROPERTIES.has(key)) {
    if (typeof value === 'number') return Number.isFinite(value) ? formatCleverTapDate(value) : null;
    // Tolerate a snapshot that kept the ISO string rather than epoch ms.
    if (typeof value === 'string') {
      const ms = parseRfc3339(value);
      return ms === null ? truncateUtf8(value) : formatCleverTapDate(ms);
    }
  }
  if (typeof value === 'string') return truncateUtf8(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
