/**
 * Every status an event can show in the log, in the order the dashboard lists them.
 *
 * No imports: the client SDK and the dashboard may use this file.
 */
export const EVENT_STATUSES = ['received', 'quarantined', 'skipped', 'failed', 'held', 'pending', 'delivered'] as const;

/** One status of the event log, e.g. `delivered`. */
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** True when `value` is one of {@link EVENT_STATUSES}. */
export function isEventStatus(value: string): value is EventStatus {
  return (EVENT_STATUSES as readonly string[]).includes(value);
}
