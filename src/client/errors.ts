import type { ErrorCode, ErrorDetail } from '../contract/error-codes.js';
import type { ErrorOut } from '../contract/common.js';

/** One invalid field of a rejected request, as the server reports it (the contract's `ErrorDetail`). */
export type PcbridgeErrorDetail = ErrorDetail;

/** Codes the client itself raises, when no answer (or no usable one) came. */
type ClientErrorCode = 'network_error' | 'admin_token_required' | 'invalid_response' | 'invalid_options' | 'no_fetch' | 'unknown_attribute';

/**
 * A server code of the contract's list, a client-side one, `http_<status>` for an answer that
 * was not in the error envelope, or a code a newer server added.
 */
export type PcbridgeErrorCode = ErrorCode | ClientErrorCode | `http_${number}` | (string & {});

/**
 * Every failure of the client: `code` is the server's stable error code (`unauthorized`,
 * `validation_failed`, `not_found`, `unknown_app`, …) or a client-side one (`network_error`,
 * `admin_token_required`, `invalid_response`); `status` is the HTTP status, 0 when no answer came.
 */
export class PcbridgeError extends Error {
  readonly code: PcbridgeErrorCode;
  readonly status: number;
  readonly details: PcbridgeErrorDetail[];

  constructor(code: PcbridgeErrorCode, status: number, message: string, details: PcbridgeErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PcbridgeError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** 401: the SDK key or admin token is missing or wrong (or the SDK key was used for something else). */
export class PcbridgeUnauthorizedError extends PcbridgeError {
  constructor(code: PcbridgeErrorCode, message: string) {
    super(code, 401, message);
    this.name = 'PcbridgeUnauthorizedError';
  }
}

/** 422 (or 400): the request was refused as invalid; `details` lists each invalid field. */
export class PcbridgeValidationError extends PcbridgeError {
  constructor(code: PcbridgeErrorCode, status: number, message: string, details: PcbridgeErrorDetail[]) {
    super(code, status, message, details);
    this.name = 'PcbridgeValidationError';
  }
}

/** 404: the app (`unknown_app`) or the resource does not exist. */
export class PcbridgeNotFoundError extends PcbridgeError {
  constructor(code: PcbridgeErrorCode, message: string) {
    super(code, 404, message);
    this.name = 'PcbridgeNotFoundError';
  }
}

/** No HTTP answer: the server could not be reached, or the request timed out. Safe to retry. */
export class PcbridgeNetworkError extends PcbridgeError {
  constructor(message: string, cause: unknown) {
    super('network_error', 0, message, [], { cause });
    this.name = 'PcbridgeNetworkError';
  }
}

/** Builds the typed error for an error answer, the contract's `ErrorOut` `{"error": {code, message, details?}}`. */
export function errorFromResponse(status: number, body: unknown): PcbridgeError {
  // Checked field by field: a proxy in front of the bridge may answer in any shape.
  const error = (body as { error?: Partial<Record<keyof ErrorOut['error'], unknown>> } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `The server answered HTTP ${status}.`;
  const details = Array.isArray(error?.details) ? (error.details as PcbridgeErrorDetail[]) : [];
  if (status === 401) return new PcbridgeUnauthorizedError(code, message);
  if (status === 404) return new PcbridgeNotFoundError(code, message);
  if (status === 422 || (status === 400 && details.length > 0)) return new PcbridgeValidationError(code, status, message, details);
  return new PcbridgeError(code, status, message, details);
}
