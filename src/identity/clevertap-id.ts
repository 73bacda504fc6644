/**
 * A CleverTap ID as the attributes API accepts it: 1–64 printable ASCII characters without
 * spaces (CleverTap's `objectId`s look like `__g5e0…` or `-HwB9gZ…`). Control characters,
 * spaces and non-ASCII text are refused rather than sent to CleverTap as a new profile.
 */
const CLEVERTAP_ID = /^[\x21-\x7e]{1,64}$/;

/** True when `value` is a CleverTap ID the bridge accepts (see CLEVERTAP_ID). */
export function isValidClevertapId(value: unknown): value is string {
  return typeof value === 'string' && CLEVERTAP_ID.test(value);
}
