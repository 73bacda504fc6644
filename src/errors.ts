/**
 * Errors that cross a boundary (HTTP, CLI) carry a stable snake_case code, a status and a
 * message meant for a human. Each code is defined once here.
 */
export const ERROR_CODES = {
  invalid_json: 400,
  bad_request: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  unknown_app: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;

  constructor(code: ErrorCode, message: string, details?: ErrorDetail[]) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code];
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: ErrorDetail[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** Raised when the database cannot be reached: callers answer 503 so that senders retry. */
export class StoreUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('store_unavailable', 'The database is not reachable right now; retry later.');
    this.cause = cause;
  }
}

/** A configuration problem: the process prints one line naming the variable and exits 2. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
