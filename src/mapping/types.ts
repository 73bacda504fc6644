import type { RecordBody } from '../clevertap/types.js';
import type { UserProperties } from '../state/index.js';

/** A user's property snapshot as `src/state` derives it; `date` properties hold epoch ms. */
export type { UserProperties };

/** Which CleverTap account a record goes to: the main one or the sandbox account. */
export type RecordTarget = 'main' | 'sandbox';

/** What a record is, for the delivery log. */
export type RecordKind = 'event' | 'profile' | 'charged';

/** One record the processing step writes to the outbox; identity is resolved at send time. */
export interface PlannedRecord {
  target: RecordTarget;
  /** The user whose CleverTap identity the record gets (`user_id`, else `anonymous_user_id`). */
  userKey: string;
  kind: RecordKind;
  body: RecordBody;
}

/** Why an event produced no record (stored on the event so the log explains it). */
export type SkipReason = 'no_user_key' | 'integration_disabled' | 'sandbox_skipped' | 'event_disabled';

/** A user whose snapshot the event may have changed (two users when ownership moves). */
export interface ProfileChange {
  userKey: string;
  before: UserProperties | null;
  after: UserProperties;
}
