/**
 * One validation pass over a settings body (SPEC §3): reads every field, fills defaults,
 * and collects one `{path, message}` per invalid field instead of stopping at the first, so
 * the API answers 422 with everything the user has to fix at once.
 *
 * Conventions (documented in README.md):
 * - an omitted field, or `null`, takes its default (merge-patch `null` removes a member, and
 *   a removed member is a default one);
 * - an event / property `name` that is omitted, null or empty is the Purchasely name;
 * - read-only fields of the GET answer (`passcodeSet`) are accepted and ignored, so a client
 *   can PUT back what it got; any other unknown field is an error (it is usually a typo).
 */
import { CHARGED_EVENT_NAME as CHARGED, checkEventName, checkProfilePropertyName, collisionKey } from '../clevertap/naming.js';
import { REGIONS, type Region } from '../clevertap/regions.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG, isWellFormedEventName } from '../purchasely/catalog.js';
import { defaultIntegrationSettings } from './defaults.js';
import { parseDuration } from './duration.js';
import { IDENTITY_MODES, REVENUE_CURRENCIES, SANDBOX_MODES, type IntegrationSettings, type MappingEntry } from './schema.js';

/** One invalid field: a JSON pointer to it and a sentence for the user. */
export interface SettingsIssue {
  path: string;
  message: string;
}

/** Outcome of `applyPut` / `applyMergePatch`. Passcodes are undefined when not given (keep the stored ones). */
export type SettingsResult = { ok: true; settings: IntegrationSettings; passcode?: string; sandboxPasscode?: string } | { ok: false; details: SettingsIssue[] };

/**
 * What the caller knows about stored passcodes. When a flag is given, enabling the
 * integration (or a sandbox account) without any passcode, given or stored, is refused;
 * when it is left undefined that check is skipped (the caller does not know).
 */
export interface CredentialFlags {
  hasStoredPasscode?: boolean;
  hasStoredSandboxPasscode?: boolean;
}

/** Longest `identity.holdFor`: events are remembered 30 days, holding longer is pointless. */
export const MAX_HOLD_FOR_MS = 30 * 86_400_000;
const MAX_ACCOUNT_ID_LENGTH = 100;
const MAX_PASSCODE_LENGTH = 256;

const TOP_LEVEL_FIELDS = new Set(['enabled', 'region', 'accountId', 'passcode', 'sandbox', 'sandboxAccount', 'events', 'userProperties', 'identity', 'revenue']);
const READ_ONLY_FIELDS = new Set(['passcodeSet']);

type Json = Record<string, unknown>;

/** Escapes a key for use inside a JSON pointer (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function quote(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** Collects issues while fields are read; each reader returns a usable value even on error. */
class Reader {
  readonly issues: SettingsIssue[] = [];

  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** The object at `value`, or null (reporting it) when it is something else. Null/undefined = absent. */
  object(value: unknown, path: string, label: string): Json | null {
    if (value === undefined || value === null) return null;
    if (isObject(value)) return value;
    this.fail(path, `${label} must be a JSON object.`);
    return null;
  }

  unknownFields(obj: Json, path: string, known: ReadonlySet<string>, ignored: ReadonlySet<string> = new Set()): void {
    for (const key of Object.keys(obj)) {
      if (!known.has(key) && !ignored.has(key)) {
        this.fail(`${path}/${pointerSegment(key)}`, `Unknown setting "${key}". Expected one of: ${quote([...known])}.`);
      }
    }
  }

  boolean(obj: Json | null, key: string, path: string, fallback: boolean): boolean {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.fail(`${path}/${key}`, `"${key}" must be true or false.`);
    return fallback;
  }

  oneOf<T extends string>(obj: Json | null, key: string, path: string, allowed: readonly T[], fallback: T): T {
    const v = obj?.[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.fail(`${path}/${key}`, `"${key}" must be one of ${quote(allowed)}${typeof v === 'string' ? `, not "${v}"` : ''}.`);
    return fallback;
  }

  /** A credential-like string: no spaces or control characters, bounded length. Undefined when absent. */
  token(obj: Json | null, key: string, path: string, label: string, maxLength: number, allowEmpty: boolean): string | undefined {
    const v = obj?.[key];
    if (v === undefined || v === null) return undefined;
    const at = `${path}/${key}`;
    if (typeof v !== 'string') {
      this.fail(at, `${label} must be a string.`);
      return undefined;
    }
    if (v === '' && !allowEmpty) {
      this.fail(at, `${label} cannot be empty (omit it to keep the stored one).`);
      return undefined;
    }
    if (v.length > maxLength) {
      this.fail(at, `${label} is too long (${v.length} characters; at most ${maxLength}).`);
      return undefined;
    }
    // \s covers spaces, tabs and newlines; \p{Cc} the remaining control characters.
    if (/[\s\p{Cc}]/u.test(v)) {
      this.fail(at, `${label} must not contain spaces or control characters (check for a stray space when pasting it).`);
      return undefined;
    }
    return v;
  }
}

const ENTRY_FIELDS = new Set(['enabled', 'name']);

/**
 * Reads the `events` or `userProperties` map: starts from the catalogue defaults, then
 * applies each given entry. `acceptKey` says why a key is refused (null = accepted).
 */
function readEntries(r: Reader, value: unknown, path: string, defaults: Record<string, MappingEntry>, acceptKey: (key: string) => string | null): Record<string, MappingEntry> {
  const entries: Record<string, MappingEntry> = { ...defaults };
  const obj = r.object(value, path, `"${path.slice(1)}"`);
  if (!obj) return entries;
  for (const [key, raw] of Object.entries(obj)) {
    const at = `${path}/${pointerSegment(key)}`;
    const refusal = acceptKey(key);
    if (refusal) {
      r.fail(at, refusal);
      continue;
    }
    const entry = r.object(raw, at, `The entry "${key}"`);
    if (!entry) {
      if (raw === null || raw === undefined) entries[key] = { enabled: false, name: key };
      continue;
    }
    r.unknownFields(entry, at, ENTRY_FIELDS);
    const enabled = r.boolean(entry, 'enabled', at, false);
    let name = key;
    const rawName = entry['name'];
    if (typeof rawName === 'string' && rawName !== '') name = rawName;
    else if (rawName !== undefined && rawName !== null && rawName !== '') {
      r.fail(`${at}/name`, `The CleverTap name of "${key}" must be a string.`);
    }
    entries[key] = { enabled, name };
  }
  return entries;
}

/**
 * Checks the CleverTap names of the enabled entries: CleverTap's own rules (`check`), then
 * names CleverTap would treat as the same one (case and spaces ignored), then `reserved`.
 */
function checkEnabledNames(
  r: Reader,
  entries: Record<string, MappingEntry>,
  path: string,
  noun: string,
  check: (name: string) => string | null,
  reserved: (name: string) => string | null,
): void {
  const byCollisionKey = new Map<string, string[]>();
  for (const [key, entry] of Object.entries(entries)) {
    if (!entry.enabled) continue;
    const at = `${path}/${pointerSegment(key)}/name`;
    const problem = check(entry.name) ?? reserved(entry.name);
    if (problem) {
      r.fail(at, problem);
      continue;
    }
    const ck = collisionKey(entry.name);
    byCollisionKey.set(ck, [...(byCollisionKey.get(ck) ?? []), key]);
  }
  for (const keys of byCollisionKey.values()) {
    if (keys.length < 2) continue;
    for (const key of keys) {
      const others = keys.filter((k) => k !== key).map((k) => `${k} ("${entries[k]?.name}")`);
      r.fail(
        `${path}/${pointerSegment(key)}/name`,
        `"${entries[key]?.name}" is the same CleverTap ${noun} as ${others.join(', ')}: CleverTap ignores case and spaces in names. Rename one of them or disable it.`,
      );
    }
  }
}

/**
 * Validates a complete settings body (what PUT receives, or the result of a merge patch)
 * and returns the stored settings plus any passcodes given, or every invalid field.
 */
export function validateSettings(input: unknown, flags: CredentialFlags = {}): SettingsResult {
  const r = new Reader();
  const defaults = defaultIntegrationSettings();
  if (!isObject(input)) {
    return { ok: false, details: [{ path: '', message: 'The integration settings must be a JSON object.' }] };
  }
  r.unknownFields(input, '', TOP_LEVEL_FIELDS, READ_ONLY_FIELDS);

  const enabled = r.boolean(input, 'enabled', '', defaults.enabled);
  const region = r.oneOf<Region>(input, 'region', '', REGIONS, defaults.region);
  const accountId = r.token(input, 'accountId', '', 'The account ID', MAX_ACCOUNT_ID_LENGTH, true) ?? defaults.accountId;
  const passcode = r.token(input, 'passcode', '', 'The passcode', MAX_PASSCODE_LENGTH, false);
  const sandbox = r.oneOf(input, 'sandbox', '', SANDBOX_MODES, defaults.sandbox);

  const sandboxObj = r.object(input['sandboxAccount'], '/sandboxAccount', '"sandboxAccount"');
  if (sandboxObj) r.unknownFields(sandboxObj, '/sandboxAccount', new Set(['region', 'accountId', 'passcode']), READ_ONLY_FIELDS);
  const sandboxAccount = {
    region: r.oneOf<Region>(sandboxObj, 'region', '/sandboxAccount', REGIONS, defaults.sandboxAccount.region),
    accountId: r.token(sandboxObj, 'accountId', '/sandboxAccount', 'The sandbox account ID', MAX_ACCOUNT_ID_LENGTH, true) ?? defaults.sandboxAccount.accountId,
  };
  const sandboxPasscode = r.token(sandboxObj, 'passcode', '/sandboxAccount', 'The sandbox passcode', MAX_PASSCODE_LENGTH, false);

  const catalogEvents = new Set(EVENT_CATALOG.map((e) => e.name));
  const events = readEntries(r, input['events'], '/events', defaults.events, (key) =>
    catalogEvents.has(key) || isWellFormedEventName(key) ? null : `"${key}" is not a Purchasely event name (upper-case words joined by "_", e.g. SUBSCRIPTION_STARTED).`,
  );
  const catalogProperties = new Set(USER_PROPERTY_CATALOG.map((p) => p.name));
  const userProperties = readEntries(r, input['userProperties'], '/userProperties', defaults.userProperties, (key) =>
    catalogProperties.has(key) ? null : `"${key}" is not a user property the bridge computes (see the catalogue).`,
  );

  const identityObj = r.object(input['identity'], '/identity', '"identity"');
  if (identityObj) r.unknownFields(identityObj, '/identity', new Set(['mode', 'holdFor']));
  const identity = {
    mode: r.oneOf(identityObj, 'mode', '/identity', IDENTITY_MODES, defaults.identity.mode),
    holdFor: readHoldFor(r, identityObj?.['holdFor']) ?? defaults.identity.holdFor,
  };

  const revenueObj = r.object(input['revenue'], '/revenue', '"revenue"');
  if (revenueObj) r.unknownFields(revenueObj, '/revenue', new Set(['chargedEvent', 'currency']));
  const revenue = {
    chargedEvent: r.boolean(revenueObj, 'chargedEvent', '/revenue', defaults.revenue.chargedEvent),
    currency: r.oneOf(revenueObj, 'currency', '/revenue', REVENUE_CURRENCIES, defaults.revenue.currency),
  };

  // Credentials: only a complete account can be switched on.
  if (enabled && accountId === '') r.fail('/accountId', 'An account ID is needed to enable the integration.');
  if (enabled && passcode === undefined && flags.hasStoredPasscode === false) {
    r.fail('/passcode', 'A passcode is needed to enable the integration.');
  }
  if (sandbox === 'sandbox_account') {
    if (sandboxAccount.accountId === '') {
      r.fail('/sandboxAccount/accountId', "Sending sandbox events to a sandbox account needs that account's ID.");
    }
    if (enabled && sandboxPasscode === undefined && flags.hasStoredSandboxPasscode === false) {
      r.fail('/sandboxAccount/passcode', "Sending sandbox events to a sandbox account needs that account's passcode.");
    }
  }

  checkEnabledNames(r, events, '/events', 'event', checkEventName, (name) =>
    revenue.chargedEvent && collisionKey(name) === collisionKey(CHARGED)
      ? `"${CHARGED}" is the revenue event the bridge sends itself while revenue.chargedEvent is on; choose another name.`
      : null,
  );
  checkEnabledNames(r, userProperties, '/userProperties', 'profile property', checkProfilePropertyName, () => null);

  if (r.issues.length > 0) return { ok: false, details: r.issues };
  const settings: IntegrationSettings = {
    enabled,
    region,
    accountId,
    sandbox,
    sandboxAccount,
    events,
    userProperties,
    identity,
    revenue,
  };
  return {
    ok: true,
    settings,
    ...(passcode !== undefined ? { passcode } : {}),
    ...(sandboxPasscode !== undefined ? { sandboxPasscode } : {}),
  };

  function readHoldFor(reader: Reader, v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseDuration(v) : null;
    if (ms === null) {
      reader.fail('/identity/holdFor', '"holdFor" must be a duration such as "30m", "24h" or "7d".');
      return undefined;
    }
    if (ms > MAX_HOLD_FOR_MS) {
      reader.fail('/identity/holdFor', '"holdFor" can be at most 30 days ("30d").');
      return undefined;
    }
    return v as string;
  }
}
