import { truncateUtf8 } from '../clevertap/naming.js';
import type { ProfileRecordBody, ProfileValue, Scalar } from '../clevertap/types.js';
import { USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import type { IntegrationSettings } from '../settings/schema.js';
import type { UserProperties } from './types.js';
import { formatCleverTapDate, parseRfc3339 } from './clevertap-date.js';

const DATE_PROPERTIES: ReadonlySet<string> = new Set(USER_PROPERTY_CATALOG.filter((p) => p.type === 'date').map((p) => p.name));
const BOOLEAN_PROPERTIES: ReadonlySet<string> = new Set(USER_PROPERTY_CATALOG.filter((p) => p.type === 'boolean').map((p) => p.name));

/** The profile command that removes a property in CleverTap. */
const REMOVE: ProfileValue = Object.freeze({ $delete: true as const });

/**
 * The CleverTap profile record after an event, or null when no enabled user property changed
 * between `before` and `after`. `before` null (a new user, a replay, or a user whose last profile
 * record failed or was skipped) means CleverTap's profile is unknown: a record is always made.
 *
 * `profileData` holds every enabled property under its CleverTap name, not only the changed
 * ones: each record states the whole snapshot, so CleverTap's profile equals the snapshot once
 * it accepts the record, whichever earlier records it accepted, refused or never got. A
 * property without a value is removed (`{"$delete": true}`), a boolean without one turns
 * false. Dates (epoch ms in the snapshot) become `"$D_<seconds>"`; strings are cut to 512 bytes.
 *
 * `ts` is Unix seconds (the event's `floor(event_created_at_ms / 1000)`).
 */
export function mapProfileRecord(
  before: UserProperties | null,
  after: UserProperties,
  settings: Pick<IntegrationSettings, 'userProperties'>,
  ts: number,
): ProfileRecordBody | null {
  const enabled = enabledProperties(settings.userProperties);
  // Without a `before` CleverTap may hold anything: the whole profile goes, even all removals.
  const changed = before === null ? enabled.length > 0 : enabled.some(({ key }) => (before[key] ?? null) !== (after[key] ?? null));
  if (!changed) return null;
  return { type: 'profile', profileData: toProfileData(after, settings), ts: Math.floor(ts) };
}

/** Every enabled property of `snapshot` under its CleverTap name, as a profile record states it. */
export function toProfileData(snapshot: UserProperties, settings: Pick<IntegrationSettings, 'userProperties'>): Record<string, ProfileValue> {
  const profileData: Record<string, ProfileValue> = {};
  for (const { key, name, isBoolean } of enabledProperties(settings.userProperties)) {
    const value = toProfileValue(key, snapshot[key]);
    profileData[name] = value ?? (isBoolean ? false : REMOVE);
  }
  return profileData;
}

/** An enabled user property: its snapshot key, its CleverTap name, whether it is a boolean. */
interface EnabledProperty {
  key: string;
  name: string;
  isBoolean: boolean;
}

/**
 * The enabled properties of a settings' `userProperties`, in its order. Worked out once per
 * settings object (processing reads the settings once per batch and maps every event of it);
 * an object changed in place after its first use would keep its first answer, which nothing
 * does — settings are read, never edited, while records are made.
 */
function enabledProperties(userProperties: IntegrationSettings['userProperties']): readonly EnabledProperty[] {
  let enabled = ENABLED_PROPERTIES.get(userProperties);
  if (enabled === undefined) {
    enabled = Object.entries(userProperties)
      .filter(([, entry]) => entry.enabled)
      .map(([key, entry]) => ({ key, name: entry.name, isBoolean: BOOLEAN_PROPERTIES.has(key) }));
    ENABLED_PROPERTIES.set(userProperties, enabled);
  }
  return enabled;
}
const ENABLED_PROPERTIES = new WeakMap<IntegrationSettings['userProperties'], readonly EnabledProperty[]>();

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
