import type { ParsedEvent } from '../purchasely/payload.js';
import type { IntegrationSettings } from '../settings/schema.js';
import { chargedSkipNote, mapChargedRecord } from './map-charged-record.js';
import { MAX_FLATTEN_DEPTH, type FlattenLeftOut } from './flatten-payload.js';
import { mapEventRecord, recordTimestamp } from './map-event-record.js';
import { mapProfileRecord } from './map-profile-record.js';
import type { PlannedRecord, ProfileChange, RecordTarget, SkipReason } from './types.js';

/** Everything `planEvent` needs; `enabled` is whether the app has an active integration at all. */
export interface PlanEventInput {
  ev: ParsedEvent;
  settings: IntegrationSettings;
  enabled: boolean;
  profiles: ProfileChange[];
}

/** The records an event produces, or why it produces none (`skipReason` null when records exist). */
export interface EventPlan {
  records: PlannedRecord[];
  skipReason: SkipReason | null;
  /**
   * A remark for the event's log entry that is not a failure: why no Charged record was made
   * (chargedSkipNote), and what the records leave out of the payload (out-of-range dates, values
   * nested too deep), joined with "; ".
   */
  note: string | null;
}

/**
 * Decides every CleverTap record of one processed event (SPEC §4 "Mapping"). Pure.
 *
 * Checked in this order, the first that applies being the reason nothing is sent:
 * `no_user_key` (neither `user_id` nor `anonymous_user_id`), `integration_disabled` (`enabled`
 * false or `settings.enabled` false), `sandbox_skipped` (a SANDBOX event with `sandbox: skip`).
 * SANDBOX events go to the main account with `same_account` and to the sandbox account with
 * `sandbox_account`.
 *
 * Records come in this order — the event record, then the `Charged` record, then one profile
 * record per user in `profiles` order — so CleverTap sees the event before the profile
 * change it caused. A profile record is produced even when the event's own record is
 * disabled (every event feeds the state). When nothing is produced the reason is
 * `event_disabled`.
 */
export function planEvent(input: PlanEventInput): EventPlan {
  const { ev, settings } = input;
  if (ev.userKey === null || ev.userKey === '') return skip('no_user_key');
  if (!input.enabled || !settings.enabled) return skip('integration_disabled');
  const target = chooseTarget(ev, settings);
  if (target === null) return skip('sandbox_skipped');

  const records: PlannedRecord[] = [];
  const leftOut: FlattenLeftOut = { outOfRangeDates: [...ev.outOfRangeDates], tooDeep: [] };
  const eventRecord = mapEventRecord(ev, settings, leftOut);
  if (eventRecord) records.push({ target, userKey: ev.userKey, kind: 'event', body: eventRecord });
  const charged = mapChargedRecord(ev, settings);
  if (charged) records.push({ target, userKey: ev.userKey, kind: 'charged', body: charged });
  const ts = recordTimestamp(ev);
  for (const profile of input.profiles) {
    const body = mapProfileRecord(profile.before, profile.after, settings, ts);
    if (body) records.push({ target, userKey: profile.userKey, kind: 'profile', body });
  }
  const note = joinNotes(chargedSkipNote(ev, settings), leftOutNote(leftOut));
  return records.length > 0 ? { records, skipReason: null, note } : { ...skip('event_disabled'), note };
}

const MAX_NAMES_IN_NOTE = 10;

/** What the records lack of the payload, named for the event's log entry; null when nothing. */
function leftOutNote(leftOut: FlattenLeftOut): string | null {
  const parts: string[] = [];
  if (leftOut.outOfRangeDates.length > 0) parts.push(`${listNames(leftOut.outOfRangeDates)} (not a date between years 0 and 9999)`);
  if (leftOut.tooDeep.length > 0) parts.push(`${listNames(leftOut.tooDeep)} (nested deeper than ${MAX_FLATTEN_DEPTH} levels)`);
  return parts.length === 0 ? null : `left out of the records: ${parts.join('; ')}`;
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_IN_NOTE).join(', ');
  return names.length > MAX_NAMES_IN_NOTE ? `${shown} and ${names.length - MAX_NAMES_IN_NOTE} more` : shown;
}

/** One note out of two remarks (each null when there is nothing to say). */
function joinNotes(first: string | null, second: string | null): string | null {
  if (first === null) return second;
  return second === null ? first : `${first}; ${second}`;
}

/** The account an event goes to, or null when sandbox events are skipped. */
function chooseTarget(ev: ParsedEvent, settings: IntegrationSettings): RecordTarget | null {
  if (ev.environment?.toUpperCase() !== 'SANDBOX') return 'main';
  switch (settings.sandbox) {
    case 'skip':
      return null;
    case 'same_account':
      return 'main';
    case 'sandbox_account':
      return 'sandbox';
  }
}

function skip(reason: SkipReason): EventPlan {
  return { records: [], skipReason: reason, note: null };
}
