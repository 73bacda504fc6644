/** One invalid field of a rejected request, as the server reports it. */
export interface PcbridgeErrorDetail {
  path: string;
  message: string;
}

/**
 * Every failure of the client: `code` is the server's stable error code (`unauthorized`,
 * `validation_failed`, `not_found`, `unknown_app`, …) or a client-side one (`network_error`,
 * `admin_token_required`, `invalid_response`); `status` is the HTTP status, 0 when no answer came.
 */
export class PcbridgeError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: PcbridgeErrorDetail[];

  constructor(code: string, status: number, message: string, details: PcbridgeErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PcbridgeError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** 401: the SDK key or admin token is missing or wrong (or the SDK key was used for something else). */
export class PcbridgeUnauthorizedError extends PcbridgeError {
  constructor(code: string, message: string) {
    super(code, 401, message);
    this.name = 'PcbridgeUnauthorizedError';
  }
}

/** 422 (or 400): the request was refused as invalid; `details` lists each invalid field. */
export class PcbridgeValidationError extends PcbridgeError {
  constructor(code: string, status: number, message: string, details: PcbridgeErrorDetail[]) {
    super(code, status, message, details);
    this.name = 'PcbridgeValidationError';
  }
}

/** 404: the app (`unknown_app`) or the resource does not exist. */
export class PcbridgeNotFoundError extends PcbridgeError {
  constructor(code: string, message: string) {
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

/** Builds the typed error for an error answer `{"error": {code, message, details?}}`. */
export function errorFromResponse(status: number, body: unknown): PcbridgeError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `The server answered HTTP ${status}.`;
  const details = Array.isArray(error?.details) ? (error.details as PcbridgeErrorDetail[]) : [];
  if (status === 401) return new PcbridgeUnauthorizedError(code, message);
  if (status === 404) return new PcbridgeNotFoundError(code, message);
  if (status === 422 || (status === 400 && details.length > 0)) return new PcbridgeValidationError(code, status, message, details);
  return new PcbridgeError(code, status, message, details);
}
