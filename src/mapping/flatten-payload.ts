/**
 * Turns a Purchasely payload into CleverTap `evtData` (SPEC §4 "Mapping"): CleverTap stores
 * only flat scalar properties, so nested values are flattened, dates converted and `_ms`
 * twins folded into their date.
 *
 * Choices (see README.md):
 * - objects flatten as `parent_child`, arrays by index `list_0`, `list_1`, … at any depth;
 *   empty objects and arrays produce nothing;
 * - a key `x_ms` is a twin when the same object also has `x`; the twin is dropped and `x`
 *   becomes `"$D_<floor(x_ms / 1000)>"` (the twin is exact, the string may be rounded); a
 *   lone `x_ms` without `x` stays a number;
 * - other strings that are full RFC 3339 date-times become dates; all other strings are cut
 *   to 512 UTF-8 bytes;
 * - null, undefined and non-finite numbers are dropped (CleverTap has no null);
 * - characters CleverTap forbids in keys are replaced with `_` and keys are cut to 120
 *   characters (Purchasely's own keys never need it; nested free-form objects might);
 * - values nested more than MAX_FLATTEN_DEPTH levels below the payload are left out, and a
 *   twin whose number is no date between years 0 and 9999 is ignored (`x` then stands alone);
 *   both are reported through `leftOut` for the event's log entry.
 *
 * Iterative (an explicit stack): the nesting depth is the sender's choice, and a signed event
 * 10,000 levels deep must not overflow the call stack.
 */
import { FORBIDDEN_NAME_CHARACTERS, MAX_NAME_LENGTH, MAX_VALUE_BYTES, truncateUtf8 } from '../clevertap/naming.js';
import type { Scalar } from '../clevertap/types.js';
import { isSerializableDateMs } from '../purchasely/payload.js';
import { formatCleverTapDate, parseRfc3339 } from './clevertap-date.js';

/** Top-level attributes never sent: the webhook version, and a store credential. */
export const EXCLUDED_ATTRIBUTES: ReadonlySet<string> = new Set(['api_version', 'purchase_token']);

/**
 * Levels of nesting flattened (a top-level attribute is level 1). Each level adds at least two
 * characters to a key and CleverTap keys stop at 120, so deeper levels could only collide.
 */
export const MAX_FLATTEN_DEPTH = 32;

/** What flattening left out of `evtData`, for the event's log entry (see planEvent's note). */
export interface FlattenLeftOut {
  /** Flattened names of `x_ms` twins whose number is no date (years 0–9999). */
  outOfRangeDates: string[];
  /** Top-level attributes holding values nested deeper than MAX_FLATTEN_DEPTH. */
  tooDeep: string[];
}

const MS_SUFFIX = '_ms';

/** One object or array being flattened: its entries, the next one to take, and where it sits. */
interface Frame {
  entries: [string, unknown][];
  next: number;
  /** The object itself (for twins), or null for an array. */
  obj: Record<string, unknown> | null;
  excluded: ReadonlySet<string>;
  prefix: string;
  /** Level of the entries (1 for the payload's own attributes). */
  depth: number;
  /** The top-level attribute this frame is inside ('' for the payload itself). */
  root: string;
}

/**
 * Flattens `payload` into CleverTap event properties, in the payload's order, depth first.
 * Pure; the payload is not modified. `leftOut`, when given, collects what was left out.
 */
export function flattenPayload(payload: Record<string, unknown>, leftOut?: FlattenLeftOut): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  const stack: Frame[] = [{ entries: Object.entries(payload), next: 0, obj: payload, excluded: EXCLUDED_ATTRIBUTES, prefix: '', depth: 1, root: '' }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.next >= frame.entries.length) {
      stack.pop();
      continue;
    }
    const [key, value] = frame.entries[frame.next++] as [string, unknown];
    const { obj } = frame;
    const name = frame.prefix === '' ? key : `${frame.prefix}_${key}`;
    if (obj !== null) {
      if (frame.excluded.has(key) || isTwin(obj, key)) continue;
      const twin = Object.hasOwn(obj, key + MS_SUFFIX) ? obj[key + MS_SUFFIX] : undefined;
      if (typeof twin === 'number' && Number.isFinite(twin)) {
        if (isSerializableDateMs(twin)) {
          setOwn(out, name, formatCleverTapDate(twin));
          continue;
        }
        leftOut?.outOfRangeDates.push(name + MS_SUFFIX);
      }
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object') {
      addScalar(out, name, value);
      continue;
    }
    const root = frame.depth === 1 ? key : frame.root;
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value);
    if (entries.length === 0) continue;
    if (frame.depth >= MAX_FLATTEN_DEPTH) {
      if (leftOut && !leftOut.tooDeep.includes(root)) leftOut.tooDeep.push(root);
      continue;
    }
    const child = Array.isArray(value) ? null : (value as Record<string, unknown>);
    stack.push({ entries, next: 0, obj: child, excluded: NOTHING, prefix: name, depth: frame.depth + 1, root });
  }
  return out;
}

function addScalar(out: Record<string, Scalar>, name: string, value: unknown): void {
  if (typeof value === 'string') {
    const ms = mayBeDateTime(value) ? parseRfc3339(value) : null;
    // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no byte count.
    setOwn(out, name, ms !== null ? formatCleverTapDate(ms) : value.length * 3 <= MAX_VALUE_BYTES ? value : truncateUtf8(value));
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) setOwn(out, name, value);
  } else if (typeof value === 'boolean') {
    setOwn(out, name, value);
  }
}

/**
 * Plain assignment would treat a `__proto__` key (an own key of parsed JSON) as the prototype
 * setter and silently lose the value; defining the property keeps it as data.
 */
function setOwn(out: Record<string, Scalar>, name: string, value: Scalar): void {
  const key = sanitizeKey(name);
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

const NOTHING: ReadonlySet<string> = new Set();

/**
 * A cheap first look before parseRfc3339's pattern: a full date-time is at least 20 characters
 * (`2026-01-01T00:00:00Z`) with `-` at 4 and 7 and `:` at 13 (most strings fail here).
 */
function mayBeDateTime(s: string): boolean {
  return s.length >= 20 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(13) === 58;
}

/** `x_ms` is a twin when its object also holds `x`. */
function isTwin(obj: Record<string, unknown>, key: string): boolean {
  return key.endsWith(MS_SUFFIX) && key.length > MS_SUFFIX.length && Object.hasOwn(obj, key.slice(0, -MS_SUFFIX.length));
}

const FORBIDDEN_CLASS = `[${FORBIDDEN_NAME_CHARACTERS.map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('')}]`;
const FORBIDDEN = new RegExp(FORBIDDEN_CLASS, 'g');
const HAS_FORBIDDEN = new RegExp(FORBIDDEN_CLASS);

/** A key CleverTap accepts: forbidden characters become `_`, at most 120 characters. */
export function sanitizeKey(key: string): string {
  // Purchasely's own keys are always fine: skip the copying for them (this runs per attribute).
  if (key.length <= MAX_NAME_LENGTH && !HAS_FORBIDDEN.test(key)) return key;
  return [...key.replace(FORBIDDEN, '_')].slice(0, MAX_NAME_LENGTH).join('');
}
