/**
 * CleverTap's naming and value rules as pure validators. Each check returns `null` when the
 * input is fine, else one sentence a user can act on (shown in the dashboard next to the
 * field, in 422 `details`, and in the delivery log).
 *
 * Source: /work/shared/reference/clevertap.md ("Names", "Reserved system event names").
 */
import type { ProfileDelete, RecordBody } from './types.js';

/** Longest event name or property key CleverTap accepts, in characters. */
export const MAX_NAME_LENGTH = 120;
/** Longest profile property key in UTF-8 bytes (the profile upload docs count bytes). */
export const MAX_PROFILE_KEY_BYTES = 120;
/** Longest property value in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 512;
/** Most properties one event may carry (CleverTap's default per-account limit). */
export const MAX_EVENT_PROPERTIES = 100;
/** Most line items in a `Charged` event. */
export const MAX_CHARGED_ITEMS = 256;

/** Characters CleverTap forbids in event names and property keys. */
export const FORBIDDEN_NAME_CHARACTERS: readonly string[] = Object.freeze(['%', '>', '<', '!', '|', '&', '.', ':', ';', '$', "'", '"', '\\']);

/** Profile keys forbid one more character than event names do. */
export const FORBIDDEN_PROFILE_KEY_CHARACTERS: readonly string[] = Object.freeze([...FORBIDDEN_NAME_CHARACTERS, '#']);

/** System events CleverTap raises itself; an upload cannot raise them. */
export const RESERVED_EVENT_NAMES: readonly string[] = Object.freeze([
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
]);

/** CleverTap's built-in profile keys; a bridged user property must not overwrite them. */
export const STANDARD_PROFILE_KEYS: readonly string[] = Object.freeze([
  'Name',
  'Email',
  'Phone',
  'Gender',
  'DOB',
  'Age',
  'Identity',
  'Photo',
  'Employed',
  'Education',
  'Married',
  'Customer Type',
  'MSG-email',
  'MSG-push',
  'MSG-sms',
  'MSG-whatsapp',
]);

/** The name of CleverTap's revenue event, the only one allowed to carry `Items`. */
export const CHARGED_EVENT_NAME = 'Charged';

const reservedKeys = new Set(RESERVED_EVENT_NAMES.map(collisionKey));
const standardKeys = new Map(STANDARD_PROFILE_KEYS.map((k) => [collisionKey(k), k]));
const DATE_VALUE = /^\$D_-?\d+$/;

/**
 * The form under which CleverTap treats two names as the same: lower-case with whitespace
 * removed (`"Sub Started"` and `"substarted"` collide).
 */
export function collisionKey(name: string): string {
  return name.toLowerCase().replace(/\s+/g, '');
}

/** Length in characters (code points), which is what a user counts. */
function characterCount(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

function listForbidden(name: string, forbidden: readonly string[]): string[] {
  return forbidden.filter((c) => name.includes(c));
}

function quoteList(chars: readonly string[]): string {
  return chars.map((c) => `"${c}"`).join(', ');
}

/** Checks the rules shared by event names and property keys. */
function checkName(what: string, name: string, forbidden: readonly string[]): string | null {
  if (name.trim() === '') return `${what} can't be empty.`;
  const length = characterCount(name);
  if (length > MAX_NAME_LENGTH) {
    return `${what} is ${length} characters long; CleverTap allows at most ${MAX_NAME_LENGTH}.`;
  }
  const found = listForbidden(name, forbidden);
  if (found.length > 0) {
    return `${what} "${name}" contains ${quoteList(found)}; CleverTap doesn't allow any of ${forbidden.join(' ')} in names.`;
  }
  return null;
}

/** Checks an event name: length, forbidden characters and CleverTap's reserved system events. */
export function checkEventName(name: string): string | null {
  const problem = checkName('The event name', name, FORBIDDEN_NAME_CHARACTERS);
  if (problem !== null) return problem;
  if (reservedKeys.has(collisionKey(name))) {
    return `"${name}" is one of CleverTap's system events; it can't be sent from outside, choose another name.`;
  }
  return null;
}

/** Checks a property key of an event (`evtData`) or a profile (`profileData`). */
export function checkPropertyKey(key: string, target: 'event' | 'profile'): string | null {
  if (target === 'event') return checkName('The property name', key, FORBIDDEN_NAME_CHARACTERS);
  const problem = checkName('The profile property name', key, FORBIDDEN_PROFILE_KEY_CHARACTERS);
  if (problem !== null) return problem;
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > MAX_PROFILE_KEY_BYTES) {
    return `The profile property name is ${bytes} bytes long in UTF-8; CleverTap allows at most ${MAX_PROFILE_KEY_BYTES} bytes.`;
  }
  return null;
}

/**
 * Checks the CleverTap name configured for a user property: the profile key rules, and not
 * one of CleverTap's standard profile keys (compared case- and space-insensitively).
 */
export function checkProfilePropertyName(name: string): string | null {
  const problem = checkPropertyKey(name, 'profile');
  if (problem !== null) return problem;
  const standard = standardKeys.get(collisionKey(name));
  if (standard !== undefined) {
    return `"${name}" would overwrite CleverTap's standard profile field "${standard}"; choose another name.`;
  }
  return null;
}

/**
 * Cuts `s` to at most `maxBytes` UTF-8 bytes without splitting a multi-byte character
 * (CleverTap counts value length in bytes, users count characters).
 */
export function truncateUtf8(s: string, maxBytes = MAX_VALUE_BYTES): string {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return s;
  const bytes = Buffer.from(s, 'utf8');
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * Checks one property value: a string of at most 512 bytes, a finite number, a boolean, or a
 * `"$D_<unix seconds>"` date.
 */
export function checkValue(v: unknown): string | null {
  switch (typeof v) {
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(v) ? null : `The value ${String(v)} is not a finite number; CleverTap can't store it.`;
    case 'string': {
      if (v.startsWith('$D_') && !DATE_VALUE.test(v)) {
        return `The date value "${v}" is malformed; dates are "$D_" followed by whole Unix seconds.`;
      }
      const bytes = Buffer.byteLength(v, 'utf8');
      if (bytes > MAX_VALUE_BYTES) {
        return `The value is ${bytes} bytes long in UTF-8; CleverTap keeps at most ${MAX_VALUE_BYTES} bytes.`;
      }
      return null;
    }
    default:
      if (v === null || v === undefined) return 'The value is empty (null); leave the property out instead.';
      if (Array.isArray(v)) return 'The value is a list; CleverTap properties hold single values.';
      return 'The value is a nested object; CleverTap properties hold single values (flatten it first).';
  }
}

/** Checks the `Items` of a `Charged` event: a list of at most 256 flat objects. */
function checkChargedItems(items: unknown): string[] {
  if (!Array.isArray(items)) return ['"Items" of a Charged event must be a list of objects.'];
  const problems: string[] = [];
  if (items.length > MAX_CHARGED_ITEMS) {
    problems.push(`"Items" has ${items.length} entries; CleverTap allows at most ${MAX_CHARGED_ITEMS}.`);
  }
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push(`Item ${i + 1} of "Items" is not an object.`);
      return;
    }
    for (const [key, value] of Object.entries(item as Record<string, unknown>)) {
      const problem = checkPropertyKey(key, 'event') ?? checkValue(value);
      if (problem !== null) problems.push(`Item ${i + 1}, "${key}": ${problem}`);
    }
  });
  return problems;
}

/**
 * Checks a whole record before it is sent: event name, every key and value, and the property
 * count. Returns every problem found (empty = fine).
 */
export function checkRecord(body: RecordBody): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(body.ts) || body.ts < 0) problems.push(`"ts" must be whole Unix seconds, got ${String(body.ts)}.`);
  if (body.type === 'event') {
    const nameProblem = checkEventName(body.evtName);
    if (nameProblem !== null) problems.push(nameProblem);
    const entries = Object.entries(body.evtData);
    if (entries.length > MAX_EVENT_PROPERTIES) {
      problems.push(`The event has ${entries.length} properties; CleverTap accepts at most ${MAX_EVENT_PROPERTIES}.`);
    }
    for (const [key, value] of entries) {
      const keyProblem = checkPropertyKey(key, 'event');
      if (keyProblem !== null) problems.push(keyProblem);
      if (key === 'Items' && body.evtName === CHARGED_EVENT_NAME) problems.push(...checkChargedItems(value));
      else {
        const valueProblem = checkValue(value);
        if (valueProblem !== null) problems.push(`"${key}": ${valueProblem}`);
      }
    }
  } else {
    for (const [key, value] of Object.entries(body.profileData)) {
      const keyProblem = checkPropertyKey(key, 'profile');
      if (keyProblem !== null) problems.push(keyProblem);
      if (isProfileDelete(value)) continue;
      const valueProblem = checkValue(value);
      if (valueProblem !== null) problems.push(`"${key}": ${valueProblem}`);
    }
  }
  return problems;
}

/** True for the profile command that removes a property (`{"$delete": true}`). */
export function isProfileDelete(value: unknown): value is ProfileDelete {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === '$delete' && (value as { $delete: unknown }).$delete === true;
}
