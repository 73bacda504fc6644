/**
 * Which stored events a replay may put back in the processing queue (SPEC §2, §4 "Record
 * lifecycle"). Pure: the service applies it inside its transaction.
 */
import { EVENT_STATUSES as EVENT_STATUS_LIST } from '../contract/event-status.js';

/** Already waiting for processing: replaying it changes nothing. */
export const QUEUED_STATUS = 'received';

/**
 * Statuses whose records reached CleverTap or are still on their way there: replaying them
 * sends the event again (CleverTap has no idempotency key), so it takes an explicit `force`.
 */
export const FORCE_STATUSES: readonly string[] = ['delivered', 'pending', 'held'];

/** Every status an event can show in the log (SPEC §2); the list is the API contract's. */
export const EVENT_STATUSES: readonly string[] = EVENT_STATUS_LIST;

export type ReplayDecision = 'requeue' | 'reparse' | 'already_queued' | 'needs_force';

/** What replay does with an event in `status`. */
export function decideReplay(status: string, force: boolean): ReplayDecision {
  if (status === QUEUED_STATUS) return 'already_queued';
  if (status === 'quarantined') return 'reparse';
  if (FORCE_STATUSES.includes(status) && !force) return 'needs_force';
  return 'requeue';
}
