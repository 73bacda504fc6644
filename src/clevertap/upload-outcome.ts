/**
 * The classified result of one `POST /1/upload` call, and the pure function that derives it
 * from the HTTP answer. Everything downstream (delivery, attempt log) switches on `kind`,
 * never on status codes or message strings.
 */
import { truncateUtf8 } from './naming.js';

/** How much of CleverTap's answer an attempt row keeps. */
export const RESPONSE_BODY_LOG_BYTES = 2048;

/** The per-record code CleverTap uses for a transient server-side failure: the only one worth retrying. */
export const RETRYABLE_RECORD_CODE = 555;

/** What every outcome carries, so the caller can log one attempt row from it. */
export type AttemptInfo = {
  /** HTTP status, or null when no answer arrived (network error, timeout). */
  httpStatus: number | null;
  /** Wall time of the call in whole milliseconds. */
  latencyMs: number;
  /** CleverTap's answer as text, cut to {@link RESPONSE_BODY_LOG_BYTES} bytes ('' when none). */
  responseBody: string;
};

/** One record CleverTap refused, located in the request. */
export type RecordFailure = {
  /** 0-based position of the record in the request's record list. */
  index: number;
  /** CleverTap's per-record code, e.g. 509. */
  code: number;
  /** CleverTap's message, verbatim. */
  message: string;
  /** True only for code 555. */
  retryable: boolean;
};

/** A refused record that could be matched to no record of the request (kept so nothing is silently lost). */
export type UnmatchedFailure = { code: number; message: string; record: unknown };

/** The classified answer of one upload call. */
export type UploadOutcome =
  | (AttemptInfo & { kind: 'success'; processed: number })
  | (AttemptInfo & {
      kind: 'partial';
      /** CleverTap's `status`: `partial` (some stored) or `fail` (none stored). */
      bodyStatus: 'partial' | 'fail';
      processed: number;
      failures: RecordFailure[];
      unmatched: UnmatchedFailure[];
    })
  | (AttemptInfo & {
      kind: 'retryable';
      reason: 'network_error' | 'timeout' | 'server_error' | 'unexpected_response';
      message: string;
    })
  | (AttemptInfo & { kind: 'throttled'; message: string })
  | (AttemptInfo & { kind: 'auth_failed'; message: string })
  | (AttemptInfo & { kind: 'bad_request'; message: string });

const SKIPPED_RECORD = /Skipped record number\s*:\s*(\d+)/i;

/** Structural equality of JSON values, ignoring key order (CleverTap may reorder echoed keys). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function asObject(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function describeBody(body: Record<string, unknown> | undefined, fallback: string): string {
  const error = body?.['error'];
  return typeof error === 'string' && error !== '' ? error : fallback;
}

/**
 * Locates each refused record: by "Skipped record number : k" (1-based) in the message, else by
 * the first not-yet-matched request record equal to the echoed one.
 */
function matchFailures(unprocessed: unknown[], sent: SentRecords): { failures: RecordFailure[]; unmatched: UnmatchedFailure[] } {
  const failures: RecordFailure[] = [];
  const unmatched: UnmatchedFailure[] = [];
  const taken = new Set<number>();
  for (const entry of unprocessed) {
    const item = asObject(entry) ?? {};
    const code = typeof item['code'] === 'number' ? item['code'] : Number(item['code'] ?? 0);
    const message = typeof item['error'] === 'string' ? item['error'] : JSON.stringify(item['error'] ?? '');
    const numbered = SKIPPED_RECORD.exec(message);
    let index = -1;
    if (numbered?.[1] !== undefined) {
      const k = Number(numbered[1]);
      if (k >= 1 && k <= sent.count) index = k - 1;
    }
    if (index < 0 && item['record'] !== undefined) {
      index = sent.list().findIndex((r, i) => !taken.has(i) && jsonEqual(r, item['record']));
    }
    if (index < 0) {
      unmatched.push({ code, message, record: item['record'] });
      continue;
    }
    taken.add(index);
    failures.push({ index, code, message, retryable: code === RETRYABLE_RECORD_CODE });
  }
  return { failures, unmatched };
}

/** The records of one request, in order: how many, and the records themselves (read only for an answer naming refused ones). */
export interface SentRecords {
  readonly count: number;
  list(): readonly unknown[];
}

export function sentRecords(records: readonly unknown[]): SentRecords {
  return { count: records.length, list: () => records };
}

/** Records sent as JSON texts: parsed only if an answer names refused records. */
export function sentRecordsJson(recordsJson: readonly string[]): SentRecords {
  let parsed: unknown[] | null = null;
  return { count: recordsJson.length, list: () => (parsed ??= recordsJson.map((json) => JSON.parse(json) as unknown)) };
}

/**
 * Classifies an HTTP answer of `/1/upload`. `records` are the records that were sent, in
 * order, so per-record failures can be located.
 */
export function classifyUploadResponse(input: { httpStatus: number; bodyText: string; records: SentRecords; latencyMs: number }): UploadOutcome {
  const { httpStatus, bodyText, records } = input;
  const info: AttemptInfo = {
    httpStatus,
    latencyMs: input.latencyMs,
    responseBody: truncateUtf8(bodyText, RESPONSE_BODY_LOG_BYTES),
  };
  const body = asObject(parseJson(bodyText));

  if (httpStatus === 401 || httpStatus === 403) {
    return {
      ...info,
      kind: 'auth_failed',
      message: `CleverTap refused the credentials (HTTP ${httpStatus}: ${describeBody(body, 'no reason given')}); check the region, account ID and passcode.`,
    };
  }
  if (httpStatus === 429) {
    return { ...info, kind: 'throttled', message: 'CleverTap answered 429: too many concurrent requests for this account.' };
  }
  if (httpStatus >= 500 || httpStatus === 408) {
    return {
      ...info,
      kind: 'retryable',
      reason: 'server_error',
      message: `CleverTap answered HTTP ${httpStatus} (${describeBody(body, 'server error')}); will retry.`,
    };
  }
  if (httpStatus !== 200) {
    return {
      ...info,
      kind: 'bad_request',
      message: `CleverTap rejected the request with HTTP ${httpStatus}: ${describeBody(body, 'malformed request')}.`,
    };
  }

  const status = body?.['status'];
  const processed = typeof body?.['processed'] === 'number' ? body['processed'] : 0;
  const unprocessed = Array.isArray(body?.['unprocessed']) ? (body['unprocessed'] as unknown[]) : [];
  if (status === 'success' && unprocessed.length === 0) {
    return { ...info, kind: 'success', processed: typeof body?.['processed'] === 'number' ? processed : records.count };
  }
  if ((status === 'partial' || status === 'fail' || status === 'success') && unprocessed.length > 0) {
    const { failures, unmatched } = matchFailures(unprocessed, records);
    return { ...info, kind: 'partial', bodyStatus: status === 'partial' ? 'partial' : 'fail', processed, failures, unmatched };
  }
  if (status === 'fail') {
    // A whole-request refusal wearing a 200: treat it like a 400 so the batch gets split.
    return {
      ...info,
      kind: 'bad_request',
      message: `CleverTap refused the whole request: ${describeBody(body, 'no reason given')}.`,
    };
  }
  return {
    ...info,
    kind: 'retryable',
    reason: 'unexpected_response',
    message: 'CleverTap answered 200 with a body pcbridge does not understand; will retry.',
  };
}
