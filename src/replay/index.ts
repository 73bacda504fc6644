/** Public surface of the replay module (see README.md). */
export { replayEvent, replayEvents, countReplayable, checkReplayFilter, REPLAY_BATCH_SIZE, DUPLICATE_REASON } from './replay-service.js';
export type { ReplayFilter, ReplayOutcome } from './replay-service.js';
export { decideReplay, EVENT_STATUSES, FORCE_STATUSES, QUEUED_STATUS, type ReplayDecision } from './replay-policy.js';
