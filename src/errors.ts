/**
 * Errors that cross a boundary (HTTP, CLI) carry a stable snake_case code, a status and a
 * message meant for a human. Each code is defined once, in the API contract's list
 * (src/contract/error-codes.ts), which the client SDK shares.
 */
import { ERROR_CODES, type ErrorCode, type ErrorDetail } from './contract/error-codes.js';

export { ERROR_CODES, type ErrorCode, type ErrorDetail };

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
