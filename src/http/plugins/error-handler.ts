import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodeOfStatus, MAX_ID_LENGTH, type ErrorOut } from '../../contract/index.js';
import { AppError, type ErrorDetail } from '../../errors.js';
import { isStoreUnavailable } from '../../store/store.js';

interface ValidationIssue {
  instancePath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** What leaves for an error: the envelope of the contract, with a code of its list, and its status. */
interface ErrorAnswer {
  status: number;
  body: ErrorOut;
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
 * never a stack trace: errors of routes and hooks, and the framework's own refusals before any
 * route runs (an undecodable URL, an over-long path segment). Unknown routes: registerNotFoundHandler.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const answer = toErrorAnswer(err);
    if (answer.status >= 500 && answer.body.error.code !== 'store_unavailable') {
      request.log.error({ err }, 'request failed');
    } else if (answer.body.error.code === 'store_unavailable') {
      request.log.warn({ err: { message: err.message, code: err.code } }, 'store unavailable');
    }
    return reply.status(answer.status).send(answer.body);
  });
}

/**
 * Unknown routes answer 404 `not_found` in the SPEC shape. Registered in the context whose hooks
 * (security headers, cookies) the answer should carry: Fastify runs the hooks of the context
 * that set the handler.
 */
export function registerNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).send(error.toJSON());
  });
}

/** Fastify's `frameworkErrors` option: the router's refusals, in the SPEC shape. */
export function answerFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const answer = toErrorAnswer(err);
  void reply.status(answer.status).send(answer.body);
}

/**
 * Fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (not HTTP, headers
 * too large, too slow) never reaches Fastify; it is answered on the socket, in the SPEC shape.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 408 ? 'The request took too long to arrive.' : status === 431 ? 'The request headers are too large.' : 'The request is not valid HTTP.';
  const body = JSON.stringify({ error: { code: errorCodeOfStatus(status), message } } satisfies ErrorOut);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

function toErrorAnswer(err: FastifyError): ErrorAnswer {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    // The router refuses such a segment before any schema runs; ids are far shorter (schemas.ts).
    const message = `A path segment is longer than any id this API knows (ids have at most ${MAX_ID_LENGTH} characters).`;
    return { status: 414, body: new AppError('uri_too_long', message).toJSON() };
  }
  const known = toAppError(err);
  if (known) return { status: known.status, body: known.toJSON() };
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) return { status, body: new AppError('internal_error', 'Something went wrong on our side; it has been logged.').toJSON() };
  // A refusal raised by the framework or a plugin with a bare status: the list's code for that status.
  return { status, body: { error: { code: errorCodeOfStatus(status), message: `The request was refused: ${STATUS_CODES[status] ?? 'client error'}.` } } };
}

function toAppError(err: FastifyError): AppError | null {
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
    case 'FST_ERR_BAD_URL':
      return new AppError('bad_request', 'The URL is not valid: a path segment does not decode (malformed percent-encoding).');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('bad_request', 'The body is not as long as its Content-Length says.');
  }
  // JSON.parse's own errors, and secure-json-parse refusing __proto__ / constructor.prototype.
  if (err instanceof SyntaxError) return new AppError('invalid_json', 'The body is not valid JSON.');
  if (err.statusCode === 413) return new AppError('payload_too_large', 'The body is larger than this endpoint accepts.');
  if (err.statusCode === 415) return new AppError('unsupported_media_type', 'Send the body as application/json.');
  if (err.statusCode === 404) return new AppError('not_found', 'Not found.');
  if (err.statusCode === 400) return new AppError('bad_request', 'The request is not valid.');
  return null;
}
