/**
 * Every error code the API (and the CLI) can answer, each with its HTTP status: the one list.
 * `AppError` (src/errors.ts) takes its codes from here, the error handler answers the
 * framework's own refusals with them, and the client SDK types `PcbridgeError.code` with them.
 *
 * No imports: the client SDK and the dashboard may use this file.
 */
export const ERROR_CODES = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  unknown_app: 404,
  request_timeout: 408,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  /** A path segment longer than any id (the router refuses it before any schema runs). */
  uri_too_long: 414,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  validation_failed: 422,
  rate_limited: 429,
  /** Node's HTTP parser refused the headers before the application saw the request. */
  request_header_fields_too_large: 431,
  internal_error: 500,
  store_unavailable: 503,
  /** A request on a kept-alive connection while the server drains. */
  shutting_down: 503,
} as const;

/** One stable error code, e.g. `validation_failed`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes in the order of the list (for schemas and documentation). */
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/** One invalid field of a refused request: a JSON pointer and what is wrong with it. */
export interface ErrorDetail {
  path: string;
  message: string;
}

/**
 * The code that names a refusal by its status alone (a framework or plugin refusal the
 * application did not raise itself): the first code of the list with that status, else
 * `bad_request`, the generic refusal. Codes of one status are listed generic first.
 */
export function errorCodeOfStatus(status: number): ErrorCode {
  return ERROR_CODE_LIST.find((code) => ERROR_CODES[code] === status) ?? 'bad_request';
}
