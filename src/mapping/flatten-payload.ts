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
 *   characters (Purchasely's own keys never need it; nested free-form objects might).
 */
import { FORBIDDEN_NAME_CHARACTERS, MAX_NAME_LENGTH, truncateUtf8 } from '../clevertap/naming.js';
import type { Scalar } from '../clevertap/types.js';
import { formatCleverTapDate, parseRfc3339 } from './clevertap-date.js';

/** Top-level attributes never sent: the webhook version, and a store credential. */
export const EXCLUDED_ATTRIBUTES: ReadonlySet<string> = new Set(['api_version', 'purchase_token']);

const MS_SUFFIX = '_ms';

/** Flattens `payload` into CleverTap event properties. Pure; the payload is not modified. */
export function flattenPayload(payload: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  flattenObject(out, '', payload, EXCLUDED_ATTRIBUTES);
  return out;
}

function flattenObject(out: Record<string, Scalar>, prefix: string, obj: Record<string, unknown>, excluded: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(obj)) {
    if (excluded.has(key)) continue;
    if (isTwin(obj, key)) continue;
    const name = prefix === '' ? key : `${prefix}_${key}`;
    const twin = Object.hasOwn(obj, key + MS_SUFFIX) ? obj[key + MS_SUFFIX] : undefined;
    if (typeof twin === 'number' && Number.isFinite(twin)) {
      setOwn(out, name, formatCleverTapDate(twin));
      continue;
    }
    addValue(out, name, value);
  }
}

function addValue(out: Record<string, Scalar>, name: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') {
    const ms = parseRfc3339(value);
    setOwn(out, name, ms === null ? truncateUtf8(value) : formatCleverTapDate(ms));
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) setOwn(out, name, value);
  } else if (typeof value === 'boolean') {
    setOwn(out, name, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => addValue(out, `${name}_${i}`, item));
  } else if (typeof value === 'object') {
    flattenObject(out, name, value as Record<string, unknown>, NOTHING);
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
