/**
 * The HTTP client for CleverTap's `POST /1/upload`: one keep-alive connection pool per host
 * (undici `Agent`), a per-request timeout, and one classified {@link UploadOutcome} per call —
 * it never throws for anything CleverTap or the network does.
 */
import { performance } from 'node:perf_hooks';
import { Agent } from 'undici';
import { REGIONS, REGION_LABELS, overrideIgnoresRegion, uploadUrl, type Region } from './regions.js';
import type { CleverTapAccount, CleverTapRecord } from './types.js';
import { classifyUploadResponse, RESPONSE_BODY_LOG_BYTES, sentRecords, sentRecordsJson, type SentRecords, type UploadOutcome } from './upload-outcome.js';
import { truncateUtf8 } from './naming.js';
import { MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, REQUEST_ENVELOPE_BYTES } from './upload-limits.js';

export { MAX_RECORDS_PER_REQUEST, MAX_REQUEST_BYTES, REQUEST_ENVELOPE_BYTES };

export type { UploadOutcome, RecordFailure, UnmatchedFailure, AttemptInfo } from './upload-outcome.js';

/** Result of the credential check (SPEC §5). `message` is plain English for the dashboard. */
export type CredentialCheck =
  | { ok: true; httpStatus: number; message: string }
  | { ok: false; reason: 'auth_failed'; acceptedRegion?: Region; message: string }
  | { ok: false; reason: 'unreachable'; message: string };

/** Options of {@link createUploadClient}. */
export type UploadClientOptions = {
  /** Give up on one request after this many milliseconds (`PCBRIDGE_CLEVERTAP_TIMEOUT`). */
  timeoutMs: number;
  /** `PCBRIDGE_CLEVERTAP_BASE_URL`: send everything here; `{region}` is replaced by the region. */
  baseUrlOverride?: string;
  /** Most open connections per host (default 15, CleverTap's concurrency cap per account). */
  maxConnectionsPerHost?: number;
};

/** Options of one upload call. */
export type UploadCallOptions = {
  /**
   * Adds `?dryRun=1`: CleverTap validates the records and answers as usual without storing them.
   * Not in CleverTap's public docs (several CleverTap clients send it); callers must make the
   * records harmless anyway (the preview sends them under one sentinel identity).
   */
  dryRun?: boolean;
};

/** Sends records to CleverTap. Create one per process and close it on shutdown. */
export type UploadClient = {
  /** Sends at most {@link MAX_RECORDS_PER_REQUEST} records / {@link MAX_REQUEST_BYTES} in one request. */
  upload(account: CleverTapAccount, records: readonly CleverTapRecord[], call?: UploadCallOptions): Promise<UploadOutcome>;
  /** `upload` for records already serialised (each one JSON object's text): the body is their concatenation. */
  uploadJson(account: CleverTapAccount, recordsJson: readonly string[], call?: UploadCallOptions): Promise<UploadOutcome>;
  /** Checks credentials with an empty upload; on refusal, finds the region that accepts them. */
  checkCredentials(account: CleverTapAccount): Promise<CredentialCheck>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
};

/** UTF-8 size of one record as it appears in the request body. */
export function recordBytes(record: CleverTapRecord): number {
  return Buffer.byteLength(JSON.stringify(record), 'utf8');
}

/** Size of a request body holding records of the given sizes (envelope and commas included). */
export function requestBytes(recordSizes: readonly number[]): number {
  const sum = recordSizes.reduce((a, b) => a + b, 0);
  return REQUEST_ENVELOPE_BYTES + sum + Math.max(0, recordSizes.length - 1);
}

function checkCount(count: number): void {
  if (count > MAX_RECORDS_PER_REQUEST) throw new RangeError(`upload() got ${count} records; at most ${MAX_RECORDS_PER_REQUEST} fit in one request`);
}

function checkBytes(body: string): string {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_REQUEST_BYTES) throw new RangeError(`upload() body is ${bytes} bytes; at most ${MAX_REQUEST_BYTES} fit in one request`);
  return body;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function describeNetworkError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
}

/** Creates an upload client with its own connection pools. */
export function createUploadClient(opts: UploadClientOptions): UploadClient {
  const agent = new Agent({
    connections: opts.maxConnectionsPerHost ?? 15,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connectTimeout: Math.min(opts.timeoutMs, 10_000),
  });

  async function post(region: Region, account: CleverTapAccount, body: string, records: SentRecords, dryRun = false): Promise<UploadOutcome> {
    const url = new URL(uploadUrl(region, opts.baseUrlOverride));
    if (dryRun) url.searchParams.set('dryRun', '1');
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, opts.timeoutMs);
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const res = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-clevertap-account-id': account.accountId,
          'x-clevertap-passcode': account.passcode,
        },
        body,
        signal: controller.signal,
      });
      const text = await res.body.text();
      // undici frees the connection a tick after the body ends; yielding once lets the caller's
      // next sequential request reuse it instead of opening a second one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return classifyUploadResponse({ httpStatus: res.statusCode, bodyText: text, records, latencyMs: elapsed() });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const isTimeout = timedOut || (typeof code === 'string' && TIMEOUT_CODES.has(code));
      const base = { httpStatus: null, latencyMs: elapsed(), responseBody: '' };
      if (isTimeout) {
        return { ...base, kind: 'retryable', reason: 'timeout', message: `No answer from CleverTap within ${opts.timeoutMs} ms; will retry.` };
      }
      return {
        ...base,
        kind: 'retryable',
        reason: 'network_error',
        message: truncateUtf8(`Could not reach CleverTap: ${describeNetworkError(err)}; will retry.`, RESPONSE_BODY_LOG_BYTES),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  async function upload(account: CleverTapAccount, records: readonly CleverTapRecord[], call: UploadCallOptions = {}): Promise<UploadOutcome> {
    checkCount(records.length);
    return post(account.region, account, checkBytes(JSON.stringify({ d: records })), sentRecords(records), call.dryRun ?? false);
  }

  async function uploadJson(account: CleverTapAccount, recordsJson: readonly string[], call: UploadCallOptions = {}): Promise<UploadOutcome> {
    checkCount(recordsJson.length);
    return post(account.region, account, checkBytes(`{"d":[${recordsJson.join(',')}]}`), sentRecordsJson(recordsJson), call.dryRun ?? false);
  }

  async function checkCredentials(account: CleverTapAccount): Promise<CredentialCheck> {
    const label = (r: Region): string => `${r} (${REGION_LABELS[r]})`;
    const first = await post(account.region, account, '{"d":[]}', sentRecords([]));
    if (first.kind === 'retryable' && first.httpStatus === null) {
      return { ok: false, reason: 'unreachable', message: `CleverTap could not be reached for region ${label(account.region)}: ${first.message}` };
    }
    if (first.kind !== 'auth_failed') {
      return { ok: true, httpStatus: first.httpStatus ?? 0, message: `CleverTap accepted the account ID and passcode for region ${label(account.region)}.` };
    }
    if (overrideIgnoresRegion(opts.baseUrlOverride)) {
      return {
        ok: false,
        reason: 'auth_failed',
        message: `CleverTap refused the account ID and passcode for region ${label(account.region)}: check the account ID and passcode.`,
      };
    }
    const others = REGIONS.filter((r) => r !== account.region);
    const answers = await Promise.all(others.map((r) => post(r, { ...account, region: r }, '{"d":[]}', sentRecords([]))));
    const acceptedRegion = others.find((_, i) => {
      const a = answers[i];
      return a !== undefined && a.httpStatus !== null && a.kind !== 'auth_failed';
    });
    if (acceptedRegion !== undefined) {
      return {
        ok: false,
        reason: 'auth_failed',
        acceptedRegion,
        message: `CleverTap refused these credentials in region ${label(account.region)} but accepts them in ${label(acceptedRegion)}: set the region to ${acceptedRegion}.`,
      };
    }
    return {
      ok: false,
      reason: 'auth_failed',
      message: `CleverTap refused the account ID and passcode in every region: copy them again from CleverTap's dashboard (Settings → Project).`,
    };
  }

  return {
    upload,
    uploadJson,
    checkCredentials,
    close: () => agent.close(),
  };
}
