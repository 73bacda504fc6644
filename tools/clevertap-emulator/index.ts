/**
 * A stand-in for CleverTap's `POST /1/upload` (SPEC §6, also `?dryRun=1`), `GET /1/profile.json`
 * and `POST /1/delete/profiles.json`, for tests, the demo and benchmarks. Plain `node:http` so faults can reach the socket (hang, destroy) and
 * connections can be counted. Control endpoints live under `/_emulator/`. See README.md for
 * every option and rule.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SETTINGS, checkSettingsPatch, isEmulatorRegion, type EmulatorAccount, type EmulatorOptions, type EmulatorSettings } from './options.js';
import {
  accountStats,
  addTimelineEntry,
  clearState,
  countStatus,
  createEmulatorState,
  filterRecords,
  storeRecord,
  type EmulatorStats,
  type RecordFilter,
  type StoredRecord,
  type TimelineEntry,
} from './state.js';
import {
  deleteProfiles,
  filterProfiles,
  findProfile,
  readDeleteRequest,
  profileKey,
  profileRecordOut,
  type EmulatorProfile,
  type ProfileFilter,
  type ProfileIdentifier,
  type ProfileLookup,
} from './profiles.js';
import { validateRecord, type RecordRejection, type ValidationOptions } from './validate-record.js';

export type { EmulatorOptions, EmulatorAccount, EmulatorSettings, EmulatorFaults } from './options.js';
export type { EmulatorStats, StoredRecord, RecordFilter, TimelineEntry } from './state.js';
export type { EmulatorProfile, EventSummary, ProfileFilter, ProfileIdentifier } from './profiles.js';

/** A running emulator. */
export type ClevertapEmulator = {
  /** Base URL without the `/1/upload` path, e.g. `http://127.0.0.1:41234`. Append `/{region}` for a region-aware base URL. */
  url: string;
  port: number;
  /** Changes faults, latency or the concurrency cap; omitted fields keep their value. Throws on invalid values. */
  setFaults(f: Partial<EmulatorSettings>): void;
  /** The current faults, latency and concurrency cap. */
  settings(): EmulatorSettings;
  /** Registers (or replaces) an account. */
  addAccount(a: EmulatorAccount): void;
  /** Stored records, oldest first, optionally filtered. */
  records(filter?: RecordFilter): StoredRecord[];
  /** Stored profiles (copies), in the order they were created, optionally filtered. */
  profiles(filter?: ProfileFilter): EmulatorProfile[];
  /** A copy of the profile kept under `identifier` in `account`, or undefined. */
  profile(account: string, identifier: ProfileIdentifier): EmulatorProfile | undefined;
  stats(): EmulatorStats;
  /** Upload requests since the last clear, oldest first (copies): arrival, answer, status, records. */
  timeline(): TimelineEntry[];
  /** Forgets stored records, profiles, the timeline and counters. */
  clear(): void;
  close(): Promise<void>;
};

/** CleverTap publishes no body limit; this only protects the emulator's memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_RECORDS = 1000;
const UPLOAD_PATH = /^\/(?:([a-z0-9]+)\/)?1\/upload$/;
const PROFILE_PATH = /^\/(?:([a-z0-9]+)\/)?1\/profile\.json$/;
const DELETE_PATH = /^\/(?:([a-z0-9]+)\/)?1\/delete\/profiles\.json$/;

/**
 * `dryRun=1` (or `true`): validate and answer as usual, store nothing. Not in CleverTap's public
 * docs; several CleverTap clients send it (reference/clevertap.md), so its effect is inferred.
 */
function isDryRun(params: URLSearchParams): boolean {
  const v = params.get('dryRun');
  return v === '1' || v === 'true';
}

type Fault = 'error' | 'throttle' | 'timeout' | 'drop';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const failBody = (code: number, error: string): unknown => ({ status: 'fail', error, code });

/** Reads the body up to `limit` bytes; null when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Milliseconds since the Unix epoch, with the monotonic clock's sub-millisecond precision. */
const preciseNow = (): number => performance.timeOrigin + performance.now();

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The Get User Profile parameter, in clevertap-node's order of preference; null when none is given. */
function profileLookup(params: URLSearchParams): ProfileLookup | null {
  const email = params.get('email');
  if (email) return { email };
  const identity = params.get('identity');
  if (identity) return { identity };
  const objectId = params.get('objectId');
  return objectId ? { objectId } : null;
}

function filterFrom<K extends string>(params: URLSearchParams, keys: readonly K[]): Partial<Record<K, string>> {
  const filter: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const v = params.get(key);
    if (v !== null) filter[key] = v;
  }
  return filter;
}

/** Starts the emulator and resolves once it listens. */
export async function startClevertapEmulator(opts: EmulatorOptions = {}): Promise<ClevertapEmulator> {
  const state = createEmulatorState(opts.accounts ?? []);
  let settings: EmulatorSettings = { ...DEFAULT_SETTINGS };
  const random = opts.random ?? Math.random;
  const hangMs = opts.hangMs ?? 10 * 60_000;
  const validation: ValidationOptions = {
    strictInferred: opts.strictInferred ?? true,
    maxEventProperties: opts.maxEventProperties ?? 100,
    discardedEventNames: opts.discardedEventNames ?? [],
  };
  const hangTimers = new Set<NodeJS.Timeout>();
  const countOnly = opts.countOnly ?? false;

  function setFaults(patch: Partial<EmulatorSettings>): void {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const problem = checkSettingsPatch(defined);
    if (problem !== null) throw new RangeError(problem);
    settings = { ...settings, ...(defined as Partial<EmulatorSettings>) };
  }
  const { port: _p, host: _h, accounts: _a, strictInferred: _s, countOnly: _c, maxEventProperties: _m, discardedEventNames: _d, random: _r, hangMs: _hm, ...initial } = opts;
  setFaults(initial);

  function addAccount(a: EmulatorAccount): void {
    if (typeof a.accountId !== 'string' || a.accountId === '' || typeof a.passcode !== 'string' || a.passcode === '') {
      throw new RangeError('an account needs a non-empty accountId and passcode');
    }
    if (a.region !== undefined && !isEmulatorRegion(a.region)) throw new RangeError(`unknown region "${String(a.region)}"`);
    state.accounts.set(a.accountId, { accountId: a.accountId, passcode: a.passcode, ...(a.region ? { region: a.region } : {}) });
  }

  function drawFault(): Fault | null {
    const r = random();
    let edge = settings.errorRate;
    if (r < edge) return 'error';
    edge += settings.throttleRate;
    if (r < edge) return 'throttle';
    edge += settings.timeoutRate;
    if (r < edge) return 'timeout';
    edge += settings.dropRate;
    if (r < edge) return 'drop';
    return null;
  }

  function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): void {
    switch (fault) {
      case 'error':
        countStatus(state, 503);
        return sendJson(res, 503, failBody(503, 'Service temporarily unavailable, try again later'));
      case 'throttle':
        countStatus(state, 429);
        return sendJson(res, 429, failBody(429, 'Too many concurrent requests'));
      case 'timeout': {
        countStatus(state, 'timeout');
        // Never answer; free the socket eventually so a forgotten client cannot pin memory.
        const timer = setTimeout(() => {
          hangTimers.delete(timer);
          req.socket.destroy();
        }, hangMs);
        timer.unref();
        hangTimers.add(timer);
        return;
      }
      case 'drop':
        countStatus(state, 'dropped');
        req.socket.destroy();
        return;
    }
  }

  /** The account the credential headers name, when they are valid for `region`; else null. */
  function authorise(req: IncomingMessage, region: string | undefined): EmulatorAccount | null {
    const account = state.accounts.get(header(req, 'x-clevertap-account-id') ?? '');
    const ok =
      !settings.all401 &&
      account !== undefined &&
      account.passcode === header(req, 'x-clevertap-passcode') &&
      (region === undefined || account.region === undefined || account.region === region);
    return ok ? account : null;
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, region: string | undefined, dryRun: boolean): Promise<void> {
    const arrivedAt = preciseNow();
    state.stats.requests += 1;
    const entry: TimelineEntry = { account: header(req, 'x-clevertap-account-id') ?? null, arrivedAt, answeredAt: null, status: null, records: null };
    addTimelineEntry(state, entry);
    res.on('finish', () => {
      entry.answeredAt = preciseNow();
      entry.status = res.statusCode;
    });
    const account = authorise(req, region);
    if (account === null) {
      req.resume();
      countStatus(state, 401);
      return sendJson(res, 401, failBody(401, 'Invalid Credentials'));
    }
    const accountId = account.accountId;
    const perAccount = accountStats(state, accountId);
    perAccount.requests += 1;
    if (perAccount.inFlight >= settings.maxConcurrency) {
      req.resume();
      countStatus(state, 429);
      return sendJson(res, 429, failBody(429, 'Too many concurrent requests'));
    }
    perAccount.inFlight += 1;
    state.stats.inFlight += 1;
    perAccount.maxConcurrency = Math.max(perAccount.maxConcurrency, perAccount.inFlight);
    res.on('close', () => {
      perAccount.inFlight -= 1;
      state.stats.inFlight -= 1;
    });

    const text = await readBody(req, MAX_BODY_BYTES);
    if (text === null) {
      countStatus(state, 413);
      return sendJson(res, 413, failBody(413, 'Request body too large'));
    }
    // The body is parsed and every record checked while the latency runs (both are pure), so
    // the answer leaves `latencyMs` after the request arrived, not that plus the time a
    // 1000-record body takes to check.
    const checked = checkUploadBody(text);
    if ('records' in checked) entry.records = checked.records.length;
    const latencyLeft = arrivedAt + settings.latencyMs - preciseNow();
    if (settings.latencyMs > 0 && latencyLeft > 0) await sleep(latencyLeft);
    const fault = drawFault();
    if (fault !== null && settings.mode === 'before') return applyFault(fault, req, res);
    if ('error' in checked) {
      countStatus(state, 400);
      return sendJson(res, 400, failBody(400, checked.error));
    }

    const requestId = randomUUID();
    const receivedAt = new Date().toISOString();
    const unprocessed: unknown[] = [];
    checked.records.forEach((record, i) => {
      const rejection = checked.rejections[i]!;
      if (rejection === null) {
        if (dryRun) return;
        if (countOnly) state.stats.records += 1;
        else storeRecord(state, { account: accountId, receivedAt, requestId, record });
      } else {
        unprocessed.push({ status: 'fail', code: rejection.code, error: `${rejection.error}. Skipped record number : ${i + 1}`, record });
      }
    });
    if (fault !== null) return applyFault(fault, req, res);

    const processed = checked.records.length - unprocessed.length;
    const status = unprocessed.length === 0 ? 'success' : processed === 0 ? 'fail' : 'partial';
    countStatus(state, 200);
    sendJson(res, 200, { status, processed, unprocessed });
  }

  /** An upload body's records and each one's verdict, or why the body itself is refused (400). */
  function checkUploadBody(text: string): { error: string } | { records: unknown[]; rejections: (RecordRejection | null)[] } {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: 'Malformed JSON body' };
    }
    const d = typeof body === 'object' && body !== null ? (body as { d?: unknown }).d : undefined;
    if (!Array.isArray(d)) return { error: 'Body must be an object with a "d" array of records' };
    if (d.length > MAX_RECORDS) return { error: `At most ${MAX_RECORDS} records per request, got ${d.length}` };
    return { records: d, rejections: d.map((record) => validateRecord(record, validation)) };
  }

  /** Get User Profile: read-only, so no faults, latency, concurrency cap or upload counters. */
  async function handleGetProfile(req: IncomingMessage, res: ServerResponse, url: URL, region: string | undefined): Promise<void> {
    req.resume();
    const account = authorise(req, region);
    if (account === null) return sendJson(res, 401, failBody(401, 'Invalid Credentials'));
    const lookup = profileLookup(url.searchParams);
    if (lookup === null) return sendJson(res, 400, failBody(400, 'One of email, identity or objectId is required'));
    const found = findProfile(state.profiles.values(), account.accountId, lookup);
    sendJson(res, 200, { status: 'success', record: found === undefined ? null : profileRecordOut(found, lookup) });
  }

  /**
   * Delete User Profile: `{"identity": …}` or `{"guid": …}` (a string or a list of at most 100),
   * profiles of the calling account only. No faults, latency or upload counters, like profile reads.
   */
  async function handleDeleteProfiles(req: IncomingMessage, res: ServerResponse, region: string | undefined): Promise<void> {
    const account = authorise(req, region);
    if (account === null) {
      req.resume();
      return sendJson(res, 401, failBody(401, 'Invalid Credentials'));
    }
    const text = await readBody(req, 1024 * 1024);
    const request = text === null ? { error: 'Request body too large' } : readDeleteRequest(text);
    if ('error' in request) return sendJson(res, 400, failBody(400, request.error));
    const deleted = deleteProfiles(state.profiles, account.accountId, request);
    sendJson(res, 200, { status: 'success', record_count: deleted });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    switch (route) {
      case 'GET /_emulator/records': {
        const filter: RecordFilter = filterFrom(url.searchParams, ['account', 'identity', 'objectId']);
        return sendJson(res, 200, { records: filterRecords(state.records, filter) });
      }
      case 'GET /_emulator/profiles': {
        const filter: ProfileFilter = filterFrom(url.searchParams, ['account', 'identity', 'objectId']);
        return sendJson(res, 200, { profiles: filterProfiles(state.profiles.values(), filter) });
      }
      case 'DELETE /_emulator/records':
        clearState(state);
        res.writeHead(204).end();
        return;
      case 'GET /_emulator/stats':
        return sendJson(res, 200, state.stats);
      case 'GET /_emulator/timeline':
        return sendJson(res, 200, { timeline: state.timeline });
      case 'GET /_emulator/faults':
        return sendJson(res, 200, settings);
      case 'POST /_emulator/faults':
      case 'POST /_emulator/accounts': {
        let body: unknown;
        try {
          body = JSON.parse((await readBody(req, 64 * 1024)) ?? '');
        } catch {
          return sendJson(res, 400, { error: 'body must be a JSON object' });
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'body must be a JSON object' });
        try {
          if (route === 'POST /_emulator/faults') {
            setFaults(body as Partial<EmulatorSettings>);
            return sendJson(res, 200, settings);
          }
          const a = body as EmulatorAccount;
          addAccount(a);
          return sendJson(res, 201, { accountId: a.accountId, region: a.region ?? null });
        } catch (err) {
          return sendJson(res, 400, { error: (err as Error).message });
        }
      }
      default:
        req.resume();
        return sendJson(res, 404, { error: `no route ${route}` });
    }
  }

  /** CleverTap's routes, with or without a known `/{region}` prefix; everything else is control. */
  function dispatch(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const knownRegion = (m: RegExpExecArray | null): m is RegExpExecArray => m !== null && (m[1] === undefined || isEmulatorRegion(m[1]));
    const upload = UPLOAD_PATH.exec(url.pathname);
    if (req.method === 'POST' && knownRegion(upload)) return handleUpload(req, res, upload[1], isDryRun(url.searchParams));
    const profile = PROFILE_PATH.exec(url.pathname);
    if (req.method === 'GET' && knownRegion(profile)) return handleGetProfile(req, res, url, profile[1]);
    const deletion = DELETE_PATH.exec(url.pathname);
    if (req.method === 'POST' && knownRegion(deletion)) return handleDeleteProfiles(req, res, deletion[1]);
    return handleControl(req, res, url);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator.local');
    dispatch(req, res, url).catch(() => {
      if (!res.headersSent) sendJson(res, 500, failBody(500, 'emulator error'));
      else res.destroy();
    });
  });
  // Long keep-alive like a real load balancer, so clients can show connection reuse.
  server.keepAliveTimeout = 65_000;
  server.on('connection', () => {
    state.stats.connections += 1;
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    setFaults,
    settings: () => ({ ...settings }),
    addAccount,
    records: (filter = {}) => filterRecords(state.records, filter),
    profiles: (filter = {}) => structuredClone(filterProfiles(state.profiles.values(), filter)),
    profile: (account, identifier) => structuredClone(state.profiles.get(profileKey(account, identifier))),
    stats: () => structuredClone(state.stats),
    timeline: () => state.timeline.map((e) => ({ ...e })),
    clear: () => clearState(state),
    close: async () => {
      for (const t of hangTimers) clearTimeout(t);
      hangTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
