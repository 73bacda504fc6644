/** Public surface of the backfill module (see README.md). */
export { importEvents, formatImportSummary, MAX_LINE_BYTES, DEFAULT_BATCH_SIZE } from './import-events.js';
export type { ImportOptions, ImportProgress, ImportSummary, SkippedLine } from './import-events.js';
export { readNdjsonLines, type NdjsonLine } from './read-ndjson.js';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export type { NewEventRow } from '../store/repos/events-repo.js';
