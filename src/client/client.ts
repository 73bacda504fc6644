import type { AttributesIn, AttributesOut } from '../contract/attributes.js';
import { errorFromResponse, PcbridgeError, PcbridgeNetworkError } from './errors.js';

/** The user attributes the bridge knows, as in Purchasely's SDK (`Attribute.CLEVER_TAP_ID`). */
export const Attribute = {
  /** CleverTap's own ID of the user's device/profile (`CleverTapAPI.getCleverTapID()`), its `objectId`. */
  CLEVER_TAP_ID: 'clevertap_id',
} as const;

/** The name of one attribute (`Attribute.CLEVER_TAP_ID`). */
export type AttributeName = (typeof Attribute)[keyof typeof Attribute];

/** A user's attributes; a missing member is not set. */
export type UserAttributes = Partial<Record<AttributeName, string>>;

export interface ClientOptions {
  /** Where pcbridge runs, e.g. `https://bridge.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** The app's id (`app_…`). */
  appId: string;
  /**
   * The app's SDK key (`pcb_sdk_…`, shown when the app was made or the key rotated). It can
   * only set attributes, so it may ship inside an app.
   */
  apiKey?: string;
  /**
   * The admin token, for a backend: needed by `getAttributes` and `clearAttribute` (the SDK
   * key cannot read). `setAttribute` uses the SDK key when both are given.
   */
  adminToken?: string;
  /** A `fetch` implementation (defaults to the global one: Node 18+, browsers, React Native). */
  fetch?: typeof fetch;
  /** Time limit of one request in ms (default 10 000). */
  timeoutMs?: number;
}

/** pcbridge as seen by an app or its backend. Every method rejects with a `PcbridgeError`. */
export interface PcbridgeClient {
  /**
   * Tells the bridge the user's CleverTap ID, so its records go to the right CleverTap
   * profile; records held for lack of it are released at once. `userKey` is the user's
   * `user_id` or Purchasely `anonymous_user_id`. The value is 1–64 printable characters
   * without spaces (else `PcbridgeValidationError`).
   */
  setAttribute(userKey: string, attribute: AttributeName, value: string): Promise<void>;
  /** The user's attributes (`{}` when none is set). Needs `adminToken`. */
  getAttributes(userKey: string): Promise<UserAttributes>;
  /** Forgets one attribute of the user (no error when it was not set). Needs `adminToken`. */
  clearAttribute(userKey: string, attribute: AttributeName): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Creates a client; no request is made until a method is called. */
export function createClient(options: ClientOptions): PcbridgeClient {
  const doFetch = options.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new PcbridgeError('no_fetch', 0, 'No fetch implementation: pass options.fetch.');
  if (!options.appId) throw new PcbridgeError('invalid_options', 0, 'options.appId is required.');
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const attributesUrl = (userKey: string) => `${base}/api/v1/apps/${encodeURIComponent(options.appId)}/users/${encodeURIComponent(userKey)}/attributes`;

  function adminHeaders(): Record<string, string> {
    if (!options.adminToken) {
      throw new PcbridgeError('admin_token_required', 0, 'Reading or clearing attributes needs options.adminToken (the SDK key can only set them).');
    }
    return { authorization: `Bearer ${options.adminToken}` };
  }

  async function request(method: string, url: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PcbridgeNetworkError(`Could not reach pcbridge at ${base}.`, err);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown = null;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    return { status: response.status, body: parsed };
  }

  return {
    async setAttribute(userKey, attribute, value) {
      if (attribute !== Attribute.CLEVER_TAP_ID) throw new PcbridgeError('unknown_attribute', 0, `Unknown attribute ${String(attribute)}.`);
      const headers = options.apiKey ? { 'x-api-key': options.apiKey } : adminHeaders();
      const body: AttributesIn = { [attribute]: value };
      const res = await request('PUT', attributesUrl(userKey), headers, body);
      if (res.status !== 200) throw errorFromResponse(res.status, res.body);
    },

    async getAttributes(userKey) {
      const res = await request('GET', attributesUrl(userKey), adminHeaders());
      if (res.status === 200) {
        const id = (res.body as Partial<Record<keyof AttributesOut, unknown>> | null)?.clevertap_id;
        if (typeof id !== 'string') throw new PcbridgeError('invalid_response', 200, 'The server answered without clevertap_id.');
        return { clevertap_id: id };
      }
      // `not_found` = no attribute set for this user; `unknown_app` stays an error.
      if (res.status === 404 && errorFromResponse(404, res.body).code === 'not_found') return {};
      throw errorFromResponse(res.status, res.body);
    },

    async clearAttribute(userKey, attribute) {
      if (attribute !== Attribute.CLEVER_TAP_ID) throw new PcbridgeError('unknown_attribute', 0, `Unknown attribute ${String(attribute)}.`);
      const res = await request('DELETE', attributesUrl(userKey), adminHeaders());
      if (res.status === 204) return;
      if (res.status === 404 && errorFromResponse(404, res.body).code === 'not_found') return;
      throw errorFromResponse(res.status, res.body);
    },
  };
}
