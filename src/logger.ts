import pino, { type Logger } from 'pino';
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

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'pcbridge' } }, destination);
}
