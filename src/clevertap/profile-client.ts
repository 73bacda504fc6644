/**
 * The HTTP client for CleverTap's profile APIs besides upload: Get User Profile
 * (`GET /1/profile.json?identity=|objectId=`) and Delete User Profile
 * (`POST /1/delete/profiles.json` with `{"identity": [...]}` or `{"guid": [...]}`). Same
 * headers, regions and base-URL override as `/1/upload`; one classified outcome per call, never
 * a throw for anything CleverTap or the network does.
 *
 * Sources: clevertap-node `lib/clevertap-api.js` (Get User Profile: `GET /1/profile.json` with one
 * of `email`, `identity`, `objectId`); CleverTap's "Delete User Profile" API page (body
 * `identity` or `guid`, a string or a list of at most 100). Neither page documents the answer for
 * an unknown user: a `record` that is null or missing counts as "not found", as does a `fail`
 * answer whose message says so.
 */
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { truncateUtf8 } from './naming.js';
import { baseUrl, type Region } from './regions.js';
import type { CleverTapAccount, Identifier } from './types.js';

/** CleverTap's cap on values per `identity` or `guid` list of one delete request. */
export const MAX_DELETE_VALUES = 100;

/** What CleverTap answered to a Get User Profile call. */
export type ProfileLookupOutcome =
  | { kind: 'found'; httpStatus: number; latencyMs: number; profileData: Record<string, unknown>; record: Record<string, unknown> }
  | { kind: 'not_found'; httpStatus: number; latencyMs: number }
  | { kind: 'auth_failed'; httpStatus: number; latencyMs: number; message: string }
  | { kind: 'error'; httpStatus: number | null; latencyMs: number; message: string };

/** Whom a Delete User Profile call names: identities, or CleverTap IDs (`guid`, the objectId). */
export type DeleteProfilesTarget = { identity: readonly string[] } | { guid: readonly string[] };

/** What CleverTap answered to a Delete User Profile call. */
export type DeleteProfilesOutcome =
  | { kind: 'deleted'; httpStatus: number; latencyMs: number; message: string }
  | { kind: 'auth_failed'; httpStatus: number; latencyMs: number; message: string }
  | { kind: 'error'; httpStatus: number | null; latencyMs: number; message: string };

export type ProfileClientOptions = {
  /** Give up on one request after this many milliseconds (`PCBRIDGE_CLEVERTAP_TIMEOUT`). */
  timeoutMs: number;
  /** `PCBRIDGE_CLEVERTAP_BASE_URL`: send everything here; `{region}` is replaced by the region. */
  baseUrlOverride?: string;
};

export type ProfileClient = {
  /** CleverTap's profile of one identifier (`identity` or `objectId`). */
  getProfile(account: CleverTapAccount, identifier: Identifier): Promise<ProfileLookupOutcome>;
  /** Deletes the profiles of at most {@link MAX_DELETE_VALUES} identities or CleverTap IDs. */
  deleteProfiles(account: CleverTapAccount, target: DeleteProfilesTarget): Promise<DeleteProfilesOutcome>;
  close(): Promise<void>;
};

/** The URL of a profile API path (`/1/profile.json`, `/1/delete/profiles.json`) in a region. */
export function profileApiUrl(region: Region, path: string, baseUrlOverride?: string): URL {
  return new URL(`${baseUrl(region, baseUrlOverride)}${path}`);
}

const NOT_FOUND_MESSAGE = /not\s*found|no\s+(such\s+)?(user|profile|record)|does\s*n[o']t\s+exist/i;

type RawAnswer = { httpStatus: number; text: string; latencyMs: number } | { httpStatus: null; message: string; latencyMs: number };

function asObject(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function errorOf(body: Record<string, unknown> | undefined, fallback: string): string {
  const error = body?.['error'];
  return typeof error === 'string' && error !== '' ? truncateUtf8(error, 300) : fallback;
}

function authMessage(httpStatus: number, region: Region, body: Record<string, unknown> | undefined): string {
  return `CleverTap refused the account ID and passcode for region ${region} (HTTP ${httpStatus}: ${errorOf(body, 'no reason given')}); check the region, account ID and passcode.`;
}

export function createProfileClient(opts: ProfileClientOptions): ProfileClient {
  const agent = new Agent({
    connections: 4,
    keepAliveTimeout: 10_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connectTimeout: Math.min(opts.timeoutMs, 10_000),
  });

  async function call(method: 'GET' | 'POST', url: URL, account: CleverTapAccount, body?: string): Promise<RawAnswer> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    try {
      const res = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers: {
          'x-clevertap-account-id': account.accountId,
          'x-clevertap-passcode': account.passcode,
          ...(body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        },
        ...(body !== undefined ? { body } : {}),
        signal: controller.signal,
      });
      const text = await res.body.text();
      return { httpStatus: res.statusCode, text, latencyMs: elapsed() };
    } catch (err) {
      const message = controller.signal.aborted ? `no answer within ${opts.timeoutMs} ms` : ((err as Error).message ?? String(err));
      return { httpStatus: null, message: `Could not reach CleverTap: ${truncateUtf8(message, 300)}`, latencyMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  async function getProfile(account: CleverTapAccount, identifier: Identifier): Promise<ProfileLookupOutcome> {
    const url = profileApiUrl(account.region, '/1/profile.json', opts.baseUrlOverride);
    if ('identity' in identifier) url.searchParams.set('identity', identifier.identity);
    else url.searchParams.set('objectId', identifier.objectId);
    const answer = await call('GET', url, account);
    if (answer.httpStatus === null) return { kind: 'error', httpStatus: null, latencyMs: answer.latencyMs, message: answer.message };
    const { httpStatus, latencyMs } = answer;
    const body = parseObject(answer.text);
    if (httpStatus === 401 || httpStatus === 403) return { kind: 'auth_failed', httpStatus, latencyMs, message: authMessage(httpStatus, account.region, body) };
    if (httpStatus === 404) return { kind: 'not_found', httpStatus, latencyMs };
    if (httpStatus !== 200 || body === undefined) {
      return { kind: 'error', httpStatus, latencyMs, message: `CleverTap answered HTTP ${httpStatus} to Get User Profile: ${errorOf(body, 'no readable answer')}.` };
    }
    if (body['status'] === 'fail') {
      const message = errorOf(body, 'no reason given');
      if (NOT_FOUND_MESSAGE.test(message)) return { kind: 'not_found', httpStatus, latencyMs };
      return { kind: 'error', httpStatus, latencyMs, message: `CleverTap refused Get User Profile: ${message}.` };
    }
    const record = asObject(body['record']);
    if (record === undefined) return { kind: 'not_found', httpStatus, latencyMs };
    return { kind: 'found', httpStatus, latencyMs, record, profileData: asObject(record['profileData']) ?? {} };
  }

  async function deleteProfiles(account: CleverTapAccount, target: DeleteProfilesTarget): Promise<DeleteProfilesOutcome> {
    const values = 'identity' in target ? target.identity : target.guid;
    if (values.length === 0 || values.length > MAX_DELETE_VALUES) {
      throw new RangeError(`deleteProfiles() takes 1 to ${MAX_DELETE_VALUES} values, got ${values.length}`);
    }
    const url = profileApiUrl(account.region, '/1/delete/profiles.json', opts.baseUrlOverride);
    const answer = await call('POST', url, account, JSON.stringify(target));
    if (answer.httpStatus === null) return { kind: 'error', httpStatus: null, latencyMs: answer.latencyMs, message: answer.message };
    const { httpStatus, latencyMs } = answer;
    const body = parseObject(answer.text);
    if (httpStatus === 401 || httpStatus === 403) return { kind: 'auth_failed', httpStatus, latencyMs, message: authMessage(httpStatus, account.region, body) };
    if (httpStatus === 200 && body?.['status'] === 'success') {
      return { kind: 'deleted', httpStatus, latencyMs, message: 'CleverTap accepted the deletion.' };
    }
    return { kind: 'error', httpStatus, latencyMs, message: `CleverTap did not accept the deletion (HTTP ${httpStatus}: ${errorOf(body, 'no reason given')}).` };
  }

  return { getProfile, deleteProfiles, close: () => agent.close() };
}
