/**
 * The dashboard's typed client for pcbridge's REST API (SPEC §2). Authentication is the
 * HttpOnly session cookie set by `POST /api/v1/session`; the browser sends it by itself.
 * Every mutating call sends `application/json` (at least `{}`), which the server requires of
 * cookie-authenticated writes (a cross-site form cannot send it).
 */
import type { EventCatalogEntry, UserPropertyCatalogEntry } from '../../src/purchasely/catalog.js';
import type { IntegrationSettingsIn, IntegrationSettingsOut } from '../../src/settings/schema.js';
import type { DryRunRecordVerdict, DryRunRequest, DryRunResult } from '../../src/preview/dry-run.js';
import type { PayloadPreview, PreviewRecord } from '../../src/preview/preview-payload.js';
import type { PendingProfileRecord, ProfileView } from '../../src/profiles/profile-view.js';
import type { ResendProfileResult } from '../../src/profiles/resend-profile.js';

export type { EventCatalogEntry, UserPropertyCatalogEntry, IntegrationSettingsIn, IntegrationSettingsOut };
export type { DryRunRecordVerdict, DryRunRequest, DryRunResult, PreviewRecord, PendingProfileRecord, ProfileView, ResendProfileResult };

export interface ErrorDetail {
  path: string;
  message: string;
}

/** An error answer of the API, `{"error": {code, message, details?}}`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AppOut {
  id: string;
  name: string;
  webhookPath: string;
  signatureToleranceSeconds?: number;
  allowLegacySignatures?: boolean;
  previousWebhookSecretActive?: boolean;
  createdAt?: string;
  updatedAt?: string;
}

export interface AppCreatedOut extends AppOut {
  sdkKey: string;
}

export type EventStatus = 'received' | 'quarantined' | 'skipped' | 'failed' | 'held' | 'pending' | 'delivered';
export const EVENT_STATUSES: readonly EventStatus[] = ['received', 'quarantined', 'skipped', 'failed', 'held', 'pending', 'delivered'];

export interface EventItem {
  eventId: string;
  eventName: string | null;
  userId: string | null;
  anonymousUserId: string | null;
  environment: string | null;
  receivedAt: string | number;
  eventCreatedAt: string | number | null;
  status: EventStatus | string;
  reason: string | null;
  note?: string | null;
  duplicates: number;
  late: boolean;
  /** Upload requests that carried one of its records (a 401 or 429 is a request that uses no retry). */
  requests?: number;
  /** Most attempts of the retry schedule used by one of its latest records. */
  retriesUsed?: number;
  lastError?: string | null;
  deliveredAt?: string | null;
  /** `held`: since when it waits for the user's CleverTap ID. */
  heldSince?: string | null;
  /** `held`: when it is skipped unless the user gets a CleverTap ID first. */
  holdUntil?: string | null;
}

export interface EventPage {
  items: EventItem[];
  nextCursor: string | null;
}

export interface RecordOut {
  id: number | string;
  kind: string;
  target: string;
  state: string;
  reason?: string | null;
  attempts?: number;
  lastCode?: number | null;
  lastMessage?: string | null;
  generation?: number;
  body?: unknown;
  identifier?: unknown;
  createdAt?: string | number;
  deliveredAt?: string | number | null;
  /** Upload requests that carried it; `attempts` counts only the retry schedule. */
  requests?: number;
  holdUntil?: string | null;
}

export interface AttemptOut {
  id: number | string;
  startedAt?: string | number;
  httpStatus?: number | null;
  outcome?: string;
  response?: string | null;
  latencyMs?: number;
  recordCount?: number;
}

export interface EventDetail extends EventItem {
  payload?: unknown;
  /** The body as text when it is not JSON (quarantined payloads). */
  rawBody?: string;
  rawPayload?: unknown;
  raw?: unknown;
  records?: RecordOut[];
  attempts?: AttemptOut[];
}

export interface EventFilters {
  eventId?: string;
  status?: string;
  eventName?: string;
  userKey?: string;
  environment?: string;
  from?: string;
  to?: string;
}

export interface Catalog {
  events: EventCatalogEntry[];
  userProperties: UserPropertyCatalogEntry[];
}

export interface TestConnectionOut {
  ok: boolean;
  message: string;
  reason?: string;
  acceptedRegion?: string;
  httpStatus?: number | null;
}

/** `GET …/stats`: the fields the dashboard reads; anything may be missing while the server evolves. */
export type StatsOut = Record<string, unknown>;

export interface AttributesOut {
  clevertap_id: string;
}

export interface HeldRecordOut {
  id: number;
  eventId: string;
  kind: string;
  holdUntil: string | null;
  createdAt: string;
}

/** `POST …/preview`: what a payload would become; `clevertap` is CleverTap's verdict when asked (`validate: true`). */
export interface PreviewOut extends PayloadPreview {
  clevertap: DryRunResult | null;
}

/** Why Purchasely's request was refused (issue 14 "Refused requests"). */
export type RejectionReason =
  | 'missing_signature'
  | 'bad_signature'
  | 'timestamp_out_of_window'
  | 'legacy_scheme_not_allowed'
  | 'unknown_app'
  | 'payload_too_large';

/** One refused webhook request (no body is kept). */
export interface RejectionOut {
  at: string;
  source: string;
  reason: RejectionReason | string;
  /** With `timestamp_out_of_window`: the request's timestamp minus this server's clock, in seconds (negative: behind). */
  skewSeconds: number | null;
  size: number;
  appId: string;
}

/** `GET …/rejections`: the newest first, and a count per reason over the last 24 h. */
export interface RejectionsOut {
  items: RejectionOut[];
  summary: Record<string, number>;
}

/** The body of `POST …/replay`. */
export interface ReplayFilterIn {
  status?: string[];
  eventNames?: string[];
  eventIds?: string[];
  userKey?: string;
  environment?: string;
  from?: string;
  to?: string;
  force?: boolean;
}

/** `GET …/event-counts`: events per minute of receipt by current status. */
export interface EventCountsOut {
  window: string;
  perMinute: { minute: string; received: number; counts: Record<string, number> }[];
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Called on every 401, so the app can send the user back to the login page. */
let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (method !== 'GET') {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, 'network_error', 'The server could not be reached.');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    const apiError = new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `The server answered ${res.status}.`, err?.details ?? []);
    if (res.status === 401 && path !== '/session') onUnauthorized();
    throw apiError;
  }
  return json as T;
}

const enc = encodeURIComponent;
const appPath = (appId: string) => `/apps/${enc(appId)}`;

function query(params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Every call the dashboard makes, one function each. */
export const api = {
  login: (token: string) => request<void>('POST', '/session', { token }),
  logout: () => request<void>('DELETE', '/session', {}),

  listApps: () => request<{ items: AppOut[] }>('GET', '/apps'),
  getApp: (appId: string) => request<AppOut>('GET', appPath(appId)),
  createApp: (name: string, webhookSecret: string) => request<AppCreatedOut>('POST', '/apps', { name, webhookSecret }),
  updateApp: (appId: string, patch: { name?: string; signatureToleranceSeconds?: number; allowLegacySignatures?: boolean }) =>
    request<AppOut>('PATCH', appPath(appId), patch),
  deleteApp: (appId: string) => request<void>('DELETE', appPath(appId), {}),
  setWebhookSecret: (appId: string, secret: string) => request<AppOut>('PUT', `${appPath(appId)}/webhook-secret`, { secret }),
  retirePreviousSecret: (appId: string) => request<AppOut>('DELETE', `${appPath(appId)}/webhook-secret/previous`, {}),
  rotateSdkKey: (appId: string) => request<{ sdkKey: string }>('POST', `${appPath(appId)}/sdk-key/rotate`, {}),

  getIntegration: (appId: string) => request<IntegrationSettingsOut & { status?: string }>('GET', `${appPath(appId)}/integrations/clevertap`),
  putIntegration: (appId: string, settings: IntegrationSettingsIn) =>
    request<IntegrationSettingsOut>('PUT', `${appPath(appId)}/integrations/clevertap`, settings),
  testIntegration: (appId: string, credentials: { region?: string; accountId?: string; passcode?: string }) =>
    request<TestConnectionOut>('POST', `${appPath(appId)}/integrations/clevertap/test`, credentials),
  resumeIntegration: (appId: string) => request<unknown>('POST', `${appPath(appId)}/integrations/clevertap/resume`, {}),
  getCatalog: (appId: string) => request<Catalog>('GET', `${appPath(appId)}/catalog`),

  listEvents: (appId: string, filters: EventFilters, cursor?: string | null, limit = 50) =>
    request<EventPage>('GET', `${appPath(appId)}/events${query({ ...filters, cursor, limit: String(limit) })}`),
  getEvent: (appId: string, eventId: string) => request<EventDetail>('GET', `${appPath(appId)}/events/${enc(eventId)}`),
  replayEvent: (appId: string, eventId: string, force: boolean) =>
    request<{ requeued?: number }>('POST', `${appPath(appId)}/events/${enc(eventId)}/replay${force ? '?force=true' : ''}`, {}),
  /** Replays every event matching the filter — `POST …/replay`. */
  replayEvents: (appId: string, filter: ReplayFilterIn) => request<{ requeued: number }>('POST', `${appPath(appId)}/replay`, filter),
  /** How many events `replayEvents` would requeue, changing nothing (`"countOnly": true`). */
  countReplay: (appId: string, filter: ReplayFilterIn) => request<{ count: number }>('POST', `${appPath(appId)}/replay`, { ...filter, countOnly: true }),
  /** Events per minute by current status, for the Overview chart. */
  getEventCounts: (appId: string, window: string) => request<EventCountsOut>('GET', `${appPath(appId)}/event-counts${query({ window })}`),

  getStats: (appId: string, window: string) => request<StatsOut>('GET', `${appPath(appId)}/stats${query({ window })}`),

  getAttributes: (appId: string, userKey: string) => request<AttributesOut>('GET', `${appPath(appId)}/users/${enc(userKey)}/attributes`),
  putAttributes: (appId: string, userKey: string, clevertapId: string) =>
    request<AttributesOut>('PUT', `${appPath(appId)}/users/${enc(userKey)}/attributes`, { clevertap_id: clevertapId }),
  deleteAttributes: (appId: string, userKey: string) => request<void>('DELETE', `${appPath(appId)}/users/${enc(userKey)}/attributes`, {}),
  listHeldRecords: (appId: string, userKey: string) => request<{ items: HeldRecordOut[] }>('GET', `${appPath(appId)}/users/${enc(userKey)}/held-records`),

  /** What `payload` (an object, or the raw body as text) would become; `validate` also asks CleverTap (dry run, 10 a minute per app). */
  previewPayload: (appId: string, payload: unknown, validate: boolean) => request<PreviewOut>('POST', `${appPath(appId)}/preview`, { payload, validate }),
  getClevertapProfile: (appId: string, userKey: string) => request<ProfileView>('GET', `${appPath(appId)}/users/${enc(userKey)}/clevertap-profile`),
  resendProfile: (appId: string, userKey: string) => request<ResendProfileResult>('POST', `${appPath(appId)}/users/${enc(userKey)}/resend-profile`, {}),
  listRejections: (appId: string, limit = 20) => request<RejectionsOut>('GET', `${appPath(appId)}/rejections${query({ limit: String(limit) })}`),
};

/** A readable sentence for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
