/**
 * The emulator's user profiles: how accepted records fold into a stored profile, and how the
 * Get User Profile API and `/_emulator/profiles` find and show them. Pure functions; state.ts
 * keeps the map and index.ts wires HTTP. See README.md for which rules are documented.
 */

/** The identifier a profile is kept under: the first present of identity, objectId, FBID, GPID. */
export type ProfileIdentifier = { identity: string } | { objectId: string } | { FBID: string } | { GPID: string };

/** Per event name, as CleverTap's Get User Profile answer shows it (epoch seconds). */
export type EventSummary = { count: number; first_seen: number; last_seen: number };

/** One stored profile, as `GET /_emulator/profiles` lists it. */
export type EmulatorProfile = {
  account: string;
  identifier: ProfileIdentifier;
  profileData: Record<string, unknown>;
  events: Record<string, EventSummary>;
  /** `ts` of the last record applied, when it was a number. */
  ts: number | null;
  /** When the last record was applied (ISO 8601, the upload's receipt time). */
  updatedAt: string;
};

/** Filter of `profiles()` and `GET /_emulator/profiles`; every given field must match. */
export type ProfileFilter = { account?: string; identity?: string; objectId?: string };

/** What the Get User Profile API looks a profile up by (one of them). */
export type ProfileLookup = { email: string } | { identity: string } | { objectId: string };

/** A profile command: a one-member object value in `profileData`. */
export type ProfileCommand = { op: '$delete' } | { op: '$set' | '$add' | '$remove'; values: string[] } | { op: '$incr' | '$decr'; by: number };

const IDENTIFIER_KEYS = ['identity', 'objectId', 'FBID', 'GPID'] as const;
const MAX_LIST_ITEMS = 100;

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.length <= MAX_LIST_ITEMS && x.every((s) => typeof s === 'string');

/** Reads `value` as a profile command; null when it is not exactly one valid command. */
export function readProfileCommand(value: unknown): ProfileCommand | null {
  if (!isObject(value)) return null;
  const entries = Object.entries(value);
  if (entries.length !== 1) return null;
  const [op, arg] = entries[0] as [string, unknown];
  switch (op) {
    case '$delete':
      return arg === true || arg === 1 ? { op } : null;
    case '$set':
    case '$add':
    case '$remove':
      return isStringList(arg) ? { op, values: [...arg] } : null;
    case '$incr':
    case '$decr':
      return typeof arg === 'number' && Number.isFinite(arg) ? { op, by: arg } : null;
    default:
      return null;
  }
}

const present = (v: unknown): boolean => (typeof v === 'string' && v.trim() !== '') || (typeof v === 'number' && Number.isFinite(v));

/** The identifier a record's profile is kept under; null when it has none (validation refuses those). */
export function identifierOf(record: Readonly<Record<string, unknown>>): ProfileIdentifier | null {
  const key = IDENTIFIER_KEYS.find((k) => present(record[k]));
  if (key === undefined) return null;
  return { [key]: String(record[key]) } as ProfileIdentifier;
}

/** A map key unique per (account, identifier kind, value). */
export function profileKey(account: string, identifier: ProfileIdentifier): string {
  const [kind, value] = Object.entries(identifier)[0] as [string, unknown];
  return JSON.stringify([account, kind, String(value)]);
}

/** Strings of a multi-value property; a single string counts as a one-item list. */
function asList(x: unknown): string[] {
  if (Array.isArray(x)) return x.filter((s): s is string => typeof s === 'string');
  return typeof x === 'string' ? [x] : [];
}

/** Applies `profileData` to `current`: commands act on their key, any other value replaces it. */
export function applyProfileData(current: Readonly<Record<string, unknown>>, data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(data)) {
    const command = readProfileCommand(value);
    if (command === null) {
      next[key] = value;
      continue;
    }
    switch (command.op) {
      case '$delete':
        delete next[key];
        break;
      case '$set':
        next[key] = [...command.values];
        break;
      case '$add': {
        const list = asList(next[key]);
        for (const v of command.values) if (!list.includes(v)) list.push(v);
        next[key] = list;
        break;
      }
      case '$remove':
        // Removing from a property the profile does not have leaves it absent.
        if (key in next) next[key] = asList(next[key]).filter((v) => !command.values.includes(v));
        break;
      case '$incr':
      case '$decr': {
        const base = typeof next[key] === 'number' ? (next[key] as number) : 0;
        next[key] = command.op === '$incr' ? base + command.by : base - command.by;
        break;
      }
    }
  }
  return next;
}

/** Counts one occurrence of `name` at `ts` (seconds). */
export function countEvent(events: Readonly<Record<string, EventSummary>>, name: string, ts: number): Record<string, EventSummary> {
  const seen = events[name];
  const summary: EventSummary =
    seen === undefined
      ? { count: 1, first_seen: ts, last_seen: ts }
      : { count: seen.count + 1, first_seen: Math.min(seen.first_seen, ts), last_seen: Math.max(seen.last_seen, ts) };
  return { ...events, [name]: summary };
}

/**
 * Folds one accepted record into its profile (`profile` undefined: a new one). Events on an
 * unknown identifier create an empty profile, as CleverTap does. A record without a numeric
 * `ts` (only possible with inferred rules off) counts at `nowSeconds`.
 */
export function foldRecord(
  profile: EmulatorProfile | undefined,
  account: string,
  identifier: ProfileIdentifier,
  record: Readonly<Record<string, unknown>>,
  receivedAt: string,
  nowSeconds: number,
): EmulatorProfile {
  const base: EmulatorProfile = profile ?? { account, identifier, profileData: {}, events: {}, ts: null, updatedAt: receivedAt };
  const ts = typeof record['ts'] === 'number' && Number.isFinite(record['ts']) ? record['ts'] : null;
  const data = record['profileData'];
  const name = record['evtName'];
  return {
    ...base,
    profileData: record['type'] === 'profile' && isObject(data) ? applyProfileData(base.profileData, data) : base.profileData,
    events: record['type'] === 'event' && typeof name === 'string' ? countEvent(base.events, name, ts ?? nowSeconds) : base.events,
    ts: ts ?? base.ts,
    updatedAt: receivedAt,
  };
}

const identifierValue = (p: EmulatorProfile, kind: 'identity' | 'objectId'): string | undefined => (p.identifier as Record<string, string>)[kind];

/** Profiles matching every given filter field, in the order they were created. */
export function filterProfiles(profiles: Iterable<EmulatorProfile>, filter: ProfileFilter): EmulatorProfile[] {
  return [...profiles].filter(
    (p) =>
      (filter.account === undefined || p.account === filter.account) &&
      (filter.identity === undefined || identifierValue(p, 'identity') === filter.identity) &&
      (filter.objectId === undefined || identifierValue(p, 'objectId') === filter.objectId),
  );
}

/** The account's profile a Get User Profile lookup names; by email, the first whose `Email` matches. */
export function findProfile(profiles: Iterable<EmulatorProfile>, account: string, lookup: ProfileLookup): EmulatorProfile | undefined {
  return [...profiles].find((p) => {
    if (p.account !== account) return false;
    if ('email' in lookup) return p.profileData['Email'] === lookup.email;
    if ('identity' in lookup) return identifierValue(p, 'identity') === lookup.identity;
    return identifierValue(p, 'objectId') === lookup.objectId;
  });
}

/** The `record` of a Get User Profile answer, in the shape of CleverTap's published example. */
export function profileRecordOut(p: EmulatorProfile, lookup: ProfileLookup): Record<string, unknown> {
  const identity = identifierValue(p, 'identity');
  const objectId = identifierValue(p, 'objectId');
  return {
    ...('email' in lookup ? { email: lookup.email } : {}),
    ...(identity !== undefined ? { identity } : {}),
    profileData: structuredClone(p.profileData),
    events: structuredClone(p.events),
    ...(objectId !== undefined ? { platformInfo: [{ objectId }] } : {}),
  };
}

/** A Delete User Profile request: the identities and CleverTap IDs (`guid`) to delete. */
export type DeleteRequest = { identity: string[]; guid: string[] };

/** CleverTap's per-request cap: 100 values per `identity` list and per `guid` list. */
const MAX_DELETE_VALUES = 100;

/**
 * Reads a Delete User Profile body: `identity` and/or `guid`, each a string or a list of at most
 * 100 (a number counts as its string, as identities do on upload). `{error}` when it is not
 * JSON, names neither, or a list is too long or holds something else.
 */
export function readDeleteRequest(text: string): DeleteRequest | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: 'Malformed JSON body' };
  }
  if (!isObject(body)) return { error: 'Body must be a JSON object with "identity" or "guid"' };
  const out: DeleteRequest = { identity: [], guid: [] };
  for (const key of ['identity', 'guid'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    if (list.length > MAX_DELETE_VALUES) return { error: `At most ${MAX_DELETE_VALUES} values per "${key}" list` };
    if (!list.every(present)) return { error: `"${key}" must be a non-empty string or a list of them` };
    out[key] = list.map(String);
  }
  if (out.identity.length === 0 && out.guid.length === 0) return { error: 'One of "identity" or "guid" is required' };
  return out;
}

/**
 * Deletes the account's profiles kept under one of the identities, or under one of the CleverTap
 * IDs (`guid`: a profile kept under that `objectId`). Returns how many were deleted. The records
 * log (`/_emulator/records`) is a log of what was received and keeps them.
 */
export function deleteProfiles(profiles: Map<string, EmulatorProfile>, account: string, request: DeleteRequest): number {
  let deleted = 0;
  for (const [key, p] of profiles) {
    if (p.account !== account) continue;
    const identity = identifierValue(p, 'identity');
    const objectId = identifierValue(p, 'objectId');
    const hit = (identity !== undefined && request.identity.includes(identity)) || (objectId !== undefined && request.guid.includes(objectId));
    if (!hit) continue;
    profiles.delete(key);
    deleted += 1;
  }
  return deleted;
}
