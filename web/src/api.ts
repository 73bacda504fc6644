/**
 * The dashboard's typed client for pcbridge's REST API (SPEC §2). Authentication is the
 * HttpOnly session cookie set by `POST /api/v1/session`; the browser sends it by itself.
 * Every mutating call sends `application/json` (at least `{}`), which the server requires of
 * cookie-authenticated writes (a cross-site form cannot send it).
 */
import type {
  AppCreatedOut,
  AppListOut,
  AppOut,
  AppPatchIn,
  AttributesOut,
  CatalogOut,
  CredentialTestIn,
  CredentialTestOut,
  ErrorOut,
  EventCountsOut,
  EventDetailOut,
  EventListOut,
  EventListQuery,
  HeldRecordsOut,
  IntegrationSettingsIn,
  IntegrationSettingsOut,
  PreviewOut,
  ProfileViewOut,
  RejectionsOut,
  ReplayCountOut,
  ReplayIn,
  ReplayOut,
  ResendProfileOut,
  ResumeOut,
  SdkKeyOut,
  StatsOut,
} from '../../src/contract/index.js';
import type { ErrorDetail } from '../../src/contract/error-codes.js';

// The request and response shapes are the server's own (src/contract/), imported as types only.
export type * from '../../src/contract/index.js';
export { EVENT_STATUSES, isEventStatus } from '../../src/contract/event-status.js';

/** The event log's filters as the dashboard keeps them (the query of `GET …/events` without paging). */
export type EventFilters = Omit<EventListQuery, 'cursor' | 'limit'>;

/** The body of `POST …/replay` as the dashboard sends it (countOnly is the separate `countReplay`). */
export type ReplayFilterIn = Omit<ReplayIn, 'countOnly'>;

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
    const err = (json as Partial<ErrorOut> | undefined)?.error;
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

  listApps: () => request<AppListOut>('GET', '/apps'),
  getApp: (appId: string) => request<AppOut>('GET', appPath(appId)),
  createApp: (name: string, webhookSecret: string) => request<AppCreatedOut>('POST', '/apps', { name, webhookSecret }),
  updateApp: (appId: string, patch: AppPatchIn) => request<AppOut>('PATCH', appPath(appId), patch),
  deleteApp: (appId: string) => request<void>('DELETE', appPath(appId), {}),
  setWebhookSecret: (appId: string, secret: string) => request<AppOut>('PUT', `${appPath(appId)}/webhook-secret`, { secret }),
  retirePreviousSecret: (appId: string) => request<AppOut>('DELETE', `${appPath(appId)}/webhook-secret/previous`, {}),
  rotateSdkKey: (appId: string) => request<SdkKeyOut>('POST', `${appPath(appId)}/sdk-key/rotate`, {}),

  getIntegration: (appId: string) => request<IntegrationSettingsOut>('GET', `${appPath(appId)}/integrations/clevertap`),
  putIntegration: (appId: string, settings: IntegrationSettingsIn) => request<IntegrationSettingsOut>('PUT', `${appPath(appId)}/integrations/clevertap`, settings),
  testIntegration: (appId: string, credentials: CredentialTestIn) => request<CredentialTestOut>('POST', `${appPath(appId)}/integrations/clevertap/test`, credentials),
  resumeIntegration: (appId: string) => request<ResumeOut>('POST', `${appPath(appId)}/integrations/clevertap/resume`, {}),
  getCatalog: (appId: string) => request<CatalogOut>('GET', `${appPath(appId)}/catalog`),

  listEvents: (appId: string, filters: EventFilters, cursor?: string | null, limit = 50) =>
    request<EventListOut>('GET', `${appPath(appId)}/events${query({ ...filters, cursor, limit: String(limit) })}`),
  getEvent: (appId: string, eventId: string) => request<EventDetailOut>('GET', `${appPath(appId)}/events/${enc(eventId)}`),
  replayEvent: (appId: string, eventId: string, force: boolean) => request<ReplayOut>('POST', `${appPath(appId)}/events/${enc(eventId)}/replay${force ? '?force=true' : ''}`, {}),
  /** Replays every event matching the filter — `POST …/replay`. */
  replayEvents: (appId: string, filter: ReplayFilterIn) => request<ReplayOut>('POST', `${appPath(appId)}/replay`, filter),
  /** How many events `replayEvents` would requeue, changing nothing (`"countOnly": true`). */
  countReplay: (appId: string, filter: ReplayFilterIn) => request<ReplayCountOut>('POST', `${appPath(appId)}/replay`, { ...filter, countOnly: true }),
  /** Events per minute by current status, for the Overview chart. */
  getEventCounts: (appId: string, window: string) => request<EventCountsOut>('GET', `${appPath(appId)}/event-counts${query({ window })}`),

  getStats: (appId: string, window: string) => request<StatsOut>('GET', `${appPath(appId)}/stats${query({ window })}`),

  getAttributes: (appId: string, userKey: string) => request<AttributesOut>('GET', `${appPath(appId)}/users/${enc(userKey)}/attributes`),
  putAttributes: (appId: string, userKey: string, clevertapId: string) =>
    request<AttributesOut>('PUT', `${appPath(appId)}/users/${enc(userKey)}/attributes`, { clevertap_id: clevertapId }),
  deleteAttributes: (appId: string, userKey: string) => request<void>('DELETE', `${appPath(appId)}/users/${enc(userKey)}/attributes`, {}),
  listHeldRecords: (appId: string, userKey: string) => request<HeldRecordsOut>('GET', `${appPath(appId)}/users/${enc(userKey)}/held-records`),

  /** What `payload` (an object, or the raw body as text) would become; `validate` also asks CleverTap (dry run, 10 a minute per app). */
  previewPayload: (appId: string, payload: unknown, validate: boolean) => request<PreviewOut>('POST', `${appPath(appId)}/preview`, { payload, validate }),
  getClevertapProfile: (appId: string, userKey: string) => request<ProfileViewOut>('GET', `${appPath(appId)}/users/${enc(userKey)}/clevertap-profile`),
  resendProfile: (appId: string, userKey: string) => request<ResendProfileOut>('POST', `${appPath(appId)}/users/${enc(userKey)}/resend-profile`, {}),
  listRejections: (appId: string, limit = 20) => request<RejectionsOut>('GET', `${appPath(appId)}/rejections${query({ limit: String(limit) })}`),
};

/** A readable sentence for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
