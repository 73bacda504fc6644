import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorDetail } from '../../errors.js';
import { isStoreUnavailable } from '../../store/store.js';

interface ValidationIssue {
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Turns Ajv's issues into `{path, message}` details a user can act on. */
export function toValidationDetails(issues: readonly ValidationIssue[], prefix: string): ErrorDetail[] {
  return issues.map((issue) => {
    const missing = issue.params?.missingProperty;
    const extra = issue.params?.additionalProperty;
    const base = issue.instancePath ?? '';
    if (typeof missing === 'string') return { path: `${prefix}${base}/${missing}`, message: 'is required' };
    if (typeof extra === 'string') return { path: `${prefix}${base}/${extra}`, message: 'is not a known field' };
    return { path: `${prefix}${base}` || prefix || '/', message: issue.message ?? 'is invalid' };
  });
}

/**
 * Every error leaves as `{"error": {code, message}}` with the SPEC's codes; nothing else, and
 * never a stack trace.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && appError.code !== 'store_unavailable') {
      request.log.error({ err }, 'request failed');
    } else if (appError.code === 'store_unavailable') {
      request.log.warn({ err: { message: err.message, code: err.code } }, 'store unavailable');
    }
    return reply.status(appError.status).send(appError.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(error.toJSON());
  });
}

function toAppError(err: FastifyError): AppError {
  if (err instanceof AppError) return err;
  if (err.validation) {
    const prefix = err.validationContext === 'body' ? '' : `/${err.validationContext ?? ''}`;
    const details = toValidationDetails(err.validation as ValidationIssue[], prefix);
    return new AppError('validation_failed', 'The request is not valid: see details.', details);
  }
  if (isStoreUnavailable(err)) return new AppError('store_unavailable', 'The database is not reachable right now; retry later.');
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_json', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.');
  }
  if (err instanceof SyntaxError || err.statusCode === 400) {
    return new AppError('invalid_json', 'The body is not valid JSON.');
  }
  if (err.statusCode === 413) return new AppError('payload_too_large', 'The body is larger than this endpoint accepts.');
  return new AppError('internal_error', 'Something went wrong on our side; it has been logged.');
}
