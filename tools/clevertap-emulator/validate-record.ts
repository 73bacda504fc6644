/**
 * The emulator's per-record validation: which CleverTap code a record earns, if any.
 *
 * Kept independent of `src/clevertap/naming.ts` on purpose: the emulator is the yardstick the
 * bridge is tested against, so it must not share the bridge's mistakes. Every rule is tagged
 * `documented` (CleverTap's docs state the rule and its code) or `inferred` (we chose the
 * trigger or the code; skipped when `strictInferred` is false). See README.md.
 */

import { readProfileCommand } from './profiles.js';

export type RuleBasis = 'documented' | 'inferred';

/** A refusal: CleverTap's code and message (without the "Skipped record number" suffix). */
export type RecordRejection = { code: number; error: string; basis: RuleBasis };

export type ValidationOptions = {
  strictInferred: boolean;
  maxEventProperties: number;
  discardedEventNames: readonly string[];
};

const RESERVED = [
  'Notification Sent',
  'Notification Viewed',
  'Notification Clicked',
  'Notification Delivered',
  'Notification Replied',
  'UTM Visited',
  'App Launched',
  'App Uninstalled',
  'App Version Changed',
  'Stayed',
  'Reply Sent',
  'Experiment Rendered',
  'Reachable By',
  'Identity Reset',
  'Identity Set',
  'Identity Error',
];
const EVENT_FORBIDDEN = ['%', '>', '<', '!', '|', '&', '.', ':', ';', '$', "'", '"', '\\'];
const PROFILE_FORBIDDEN = [...EVENT_FORBIDDEN, '#'];
const IDENTIFIERS = ['identity', 'objectId', 'FBID', 'GPID'] as const;

const fold = (s: string): string => s.toLowerCase().replace(/\s+/g, '');
const reservedFolded = new Set(RESERVED.map(fold));
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const chars = (s: string): number => [...s].length;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function present(v: unknown): boolean {
  return (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v));
}

const reject = (code: number, error: string, basis: RuleBasis): RecordRejection => ({ code, error, basis });

/** Profile field formats from CleverTap's profile docs (codes 514–520). */
const PROFILE_FIELDS: ReadonlyArray<{ key: string; code: number; ok: (v: unknown) => boolean; error: string }> = [
  { key: 'Gender', code: 514, ok: (v) => typeof v === 'string' && /^(M|F|O|Male|Female|Other|Others)$/i.test(v), error: 'Invalid gender. Gender should be M or F' },
  { key: 'Email', code: 515, ok: (v) => typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), error: 'Invalid email address' },
  { key: 'Phone', code: 516, ok: (v) => typeof v === 'string' && /^\+\d{6,15}$/.test(v), error: 'Invalid phone number. Phone should start with + and the country code' },
  { key: 'Employed', code: 517, ok: (v) => v === 'Y' || v === 'N', error: 'Invalid employment status. Employed should be Y or N' },
  {
    key: 'Education',
    code: 518,
    ok: (v) => typeof v === 'string' && /^(School|College|Graduate)$/.test(v),
    error: 'Invalid education. Education should be School, College or Graduate',
  },
  { key: 'Married', code: 519, ok: (v) => v === 'Y' || v === 'N', error: 'Invalid marital status. Married should be Y or N' },
  { key: 'Age', code: 520, ok: (v) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 150, error: 'Invalid age. Age should be a whole number' },
];

/** Inferred rules about keys and values shared by events and profiles; code 512. */
function checkProperties(data: Record<string, unknown>, forbidden: readonly string[], allowItems: boolean, target: 'event' | 'profile'): RecordRejection | null {
  // Event keys are limited in characters; the profile upload docs count key bytes.
  const keyTooLong = (key: string): boolean => chars(key) > 120 || (target === 'profile' && bytes(key) > 120);
  const allowStringLists = target === 'profile';
  for (const [key, value] of Object.entries(data)) {
    const badChar = forbidden.find((c) => key.includes(c));
    if (badChar !== undefined) return reject(512, `Property key "${key}" contains the forbidden character ${badChar}`, 'inferred');
    if (keyTooLong(key)) return reject(512, `Property key "${key}" is longer than 120 characters`, 'inferred');
    if (typeof value === 'string' && bytes(value) > 512) return reject(512, `Value of "${key}" is longer than 512 bytes`, 'inferred');
    if (typeof value === 'object' && value !== null) {
      const itemsOk = allowItems && key === 'Items' && Array.isArray(value) && value.length <= 256 && value.every(isFlatObject);
      const listOk = allowStringLists && Array.isArray(value) && value.length <= 100 && value.every((x) => typeof x === 'string');
      const commandOk = target === 'profile' && readProfileCommand(value) !== null;
      if (itemsOk || listOk || commandOk) continue;
      if (target === 'profile' && looksLikeCommand(value)) return reject(512, `Value of "${key}" is not a valid profile command`, 'inferred');
      return reject(512, `Value of "${key}" is a nested object or list`, 'inferred');
    }
  }
  return null;
}

/** An object whose keys all start with `$`: meant as a command, so the refusal can say so. */
function looksLikeCommand(x: unknown): boolean {
  return isObject(x) && Object.keys(x).length > 0 && Object.keys(x).every((k) => k.startsWith('$'));
}

function isFlatObject(x: unknown): boolean {
  return isObject(x) && Object.values(x).every((v) => typeof v !== 'object' || v === null);
}

/**
 * Returns the rejection CleverTap would give `record`, or null when it would be stored.
 * Rules run in a fixed order; the first that fails decides the code.
 */
export function validateRecord(record: unknown, opts: ValidationOptions): RecordRejection | null {
  const strict = opts.strictInferred;
  if (!isObject(record) || (record['type'] !== 'event' && record['type'] !== 'profile')) {
    return reject(524, 'Record type should be event or profile', 'documented');
  }
  if (!IDENTIFIERS.some((k) => present(record[k]))) {
    return reject(523, 'Identity, objectId, FBID or GPID is mandatory', 'documented');
  }
  if (strict && 'objectId' in record && (typeof record['objectId'] !== 'string' || !/^\S{1,100}$/.test(record['objectId']))) {
    return reject(526, 'objectId is invalid', 'inferred');
  }
  const ts = record['ts'];
  if (strict && !(typeof ts === 'number' && Number.isInteger(ts) && ts >= 0 && ts < 10_000_000_000)) {
    // A 13-digit value is milliseconds, the most common mistake (Segment sends ISO strings).
    return reject(525, 'Timestamp should be in Unix epoch seconds', 'inferred');
  }
  return record['type'] === 'event' ? validateEvent(record, opts) : validateProfile(record, opts);
}

function validateEvent(record: Record<string, unknown>, opts: ValidationOptions): RecordRejection | null {
  const strict = opts.strictInferred;
  const name = record['evtName'];
  if (name === undefined || name === null || name === '') return reject(509, 'Event name is mandatory', 'documented');
  if (typeof name !== 'string') return reject(512, 'Invalid event structure: evtName should be a string', 'documented');
  if (strict ? reservedFolded.has(fold(name)) : RESERVED.includes(name)) {
    return reject(513, `${name} is a restricted system event name`, 'documented');
  }
  if (opts.discardedEventNames.some((d) => fold(d) === fold(name))) return reject(528, `${name} is a discarded event`, 'documented');
  const data = record['evtData'] ?? {};
  if (!isObject(data)) return reject(512, 'Invalid event structure: evtData should be an object', 'documented');
  if (Object.keys(data).length > opts.maxEventProperties) {
    return reject(522, `Event has more than ${opts.maxEventProperties} properties`, 'documented');
  }
  if (strict) {
    const badChar = EVENT_FORBIDDEN.find((c) => name.includes(c));
    if (badChar !== undefined) return reject(512, `Event name contains the forbidden character ${badChar}`, 'inferred');
    if (chars(name) > 120) return reject(512, 'Event name is longer than 120 characters', 'inferred');
    const problem = checkProperties(data, EVENT_FORBIDDEN, fold(name) === 'charged', 'event');
    if (problem !== null) return problem;
  }
  return null;
}

function validateProfile(record: Record<string, unknown>, opts: ValidationOptions): RecordRejection | null {
  const data = record['profileData'];
  if (!isObject(data)) {
    return opts.strictInferred ? reject(512, 'Invalid profile structure: profileData should be an object', 'inferred') : null;
  }
  for (const field of PROFILE_FIELDS) {
    const value = data[field.key];
    // CleverTap's sample payload deletes a typed field: `"Gender": {"$delete": 1}`.
    const deletes = readProfileCommand(value)?.op === '$delete';
    if (field.key in data && !deletes && !field.ok(value)) return reject(field.code, field.error, 'documented');
  }
  if (opts.strictInferred) return checkProperties(data, PROFILE_FORBIDDEN, false, 'profile');
  return null;
}
