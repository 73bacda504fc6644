import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger };

/** Paths pino blanks out wherever they appear, so secrets never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-clevertap-passcode"]',
  'headers.authorization',
  '*.passcode',
  '*.webhookSecret',
  '*.secret',
  '*.token',
  '*.sdkKey',
];

/**
 * How log lines look on file descriptor `fd`: JSON (one object a line, for log collectors)
 * unless it is a terminal, where a person reads them. `isatty` rather than
 * `process.stdout.isTTY`: it also answers truly in worker threads (the SQLite processing
 * thread), whose `process.stdout` is a pipe to the main thread.
 */
export function logFormat(fd: 1 | 2 = 1): 'pretty' | 'json' {
  return isatty(fd) ? 'pretty' : 'json';
}

/**
 * A human-readable destination (pino-pretty in this thread, synchronous): local times, level
 * names, the message first and the fields after it; the same redaction applies (pino redacts
 * before a line reaches any destination). Synchronous so that log lines and what a command
 * prints itself (the first start's admin token) appear in the order they happened.
 */
function prettyDestination(fd: 1 | 2): pino.DestinationStream {
  return pretty({ sync: true, destination: fd, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/**
 * The process's logger. By default it writes to stdout, pretty on a terminal and JSON
 * otherwise; `{fd: 2}` sends it to stderr instead (commands whose stdout is their result);
 * a stream (tests) replaces both choices.
 */
export function createLogger(level: LogLevel, destination: pino.DestinationStream | { fd: 1 | 2 } = { fd: 1 }): Logger {
  const out =
    'fd' in destination && !('write' in destination)
      ? logFormat(destination.fd) === 'pretty'
        ? prettyDestination(destination.fd)
        : destination.fd === 1
          ? undefined // pino's own stdout destination, as ever
          : pino.destination(destination.fd)
      : (destination as pino.DestinationStream);
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'pcbridge' } }, out);
}
