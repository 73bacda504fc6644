/**
 * CleverTap's naming rules, checked while the user types (the server checks them again on
 * save and its 422 details are shown next to the same fields). The rule tables come from the
 * server's own module, so both sides apply the same lists.
 */
import {
  CHARGED_EVENT_NAME,
  FORBIDDEN_NAME_CHARACTERS,
  FORBIDDEN_PROFILE_KEY_CHARACTERS,
  MAX_NAME_LENGTH,
  MAX_PROFILE_KEY_BYTES,
  RESERVED_EVENT_NAMES,
  STANDARD_PROFILE_KEYS,
  collisionKey,
} from '../../src/clevertap/naming.js';

export { collisionKey };

export interface MappingEntryDraft {
  enabled: boolean;
  name: string;
}

export type MappingKind = 'events' | 'userProperties';

const reserved = new Map(RESERVED_EVENT_NAMES.map((n) => [collisionKey(n), n]));
const standard = new Map(STANDARD_PROFILE_KEYS.map((n) => [collisionKey(n), n]));
const encoder = new TextEncoder();

function checkCommon(name: string, forbidden: readonly string[]): string | null {
  if (name.trim() === '') return "The name can't be empty.";
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) return `${length} characters; CleverTap allows at most ${MAX_NAME_LENGTH}.`;
  const found = forbidden.filter((c) => name.includes(c));
  if (found.length > 0) {
    return `Contains ${found.map((c) => `"${c}"`).join(', ')}; CleverTap doesn't allow any of ${forbidden.join(' ')} in names.`;
  }
  return null;
}

/** Checks one CleverTap event name: length, forbidden characters, reserved system events. */
export function checkEventName(name: string): string | null {
  const problem = checkCommon(name, FORBIDDEN_NAME_CHARACTERS);
  if (problem) return problem;
  const system = reserved.get(collisionKey(name));
  if (system) return `"${system}" is one of CleverTap's system events; choose another name.`;
  return null;
}

/** Checks one CleverTap profile property name: also `#`, bytes, and the standard profile keys. */
export function checkUserPropertyName(name: string): string | null {
  const problem = checkCommon(name, FORBIDDEN_PROFILE_KEY_CHARACTERS);
  if (problem) return problem;
  const bytes = encoder.encode(name).length;
  if (bytes > MAX_PROFILE_KEY_BYTES) return `${bytes} bytes in UTF-8; CleverTap allows at most ${MAX_PROFILE_KEY_BYTES}.`;
  const std = standard.get(collisionKey(name));
  if (std) return `Would overwrite CleverTap's standard profile field "${std}".`;
  return null;
}

/** The CleverTap name an entry will use: the rename, or the Purchasely name when empty. */
export function effectiveName(key: string, entry: MappingEntryDraft): string {
  return entry.name.trim() === '' ? key : entry.name;
}

/**
 * Problems of the enabled entries of one mapping, keyed by Purchasely name: each name on its
 * own, then collisions between enabled names (case and spaces ignored), then `Charged` when
 * the Charged event is on. Disabled entries are not checked, as on the server.
 */
export function validateMapping(kind: MappingKind, entries: Record<string, MappingEntryDraft>, opts: { chargedEvent?: boolean } = {}): Record<string, string> {
  const problems: Record<string, string> = {};
  const check = kind === 'events' ? checkEventName : checkUserPropertyName;
  const byKey = new Map<string, string[]>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!entry.enabled) continue;
    const name = effectiveName(key, entry);
    const problem = check(name);
    if (problem) {
      problems[key] = problem;
      continue;
    }
    if (kind === 'events' && opts.chargedEvent && collisionKey(name) === collisionKey(CHARGED_EVENT_NAME)) {
      problems[key] = `"${CHARGED_EVENT_NAME}" is sent by the Charged event option; choose another name.`;
      continue;
    }
    const group = byKey.get(collisionKey(name)) ?? [];
    group.push(key);
    byKey.set(collisionKey(name), group);
  }
  for (const group of byKey.values()) {
    if (group.length < 2) continue;
    for (const key of group) {
      const others = group.filter((k) => k !== key).join(', ');
      problems[key] = `Same CleverTap name as ${others} (names are compared ignoring case and spaces).`;
    }
  }
  return problems;
}
