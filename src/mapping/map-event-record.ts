import type { EventRecordBody } from '../clevertap/types.js';
import { canonicalEventName } from '../purchasely/catalog.js';
import type { ParsedEvent } from '../purchasely/payload.js';
import type { IntegrationSettings, MappingEntry } from '../settings/schema.js';
import { flattenPayload, type FlattenLeftOut } from './flatten-payload.js';

/** Unix seconds of an event, the `ts` of every record it produces. */
export function recordTimestamp(ev: Pick<ParsedEvent, 'eventCreatedAtMs'>): number {
  return Math.floor(ev.eventCreatedAtMs / 1000);
}

/**
 * The CleverTap event record of a Purchasely event, or null when that event is not enabled
 * in `settings` (the integration's own on/off switch is `planEvent`'s business).
 * `evtData` keeps `event_id`, so duplicates can be spotted downstream. `leftOut`, when given,
 * collects what flattening left out (see flattenPayload).
 */
export function mapEventRecord(ev: ParsedEvent, settings: Pick<IntegrationSettings, 'events'>, leftOut?: FlattenLeftOut): EventRecordBody | null {
  const entry = findEventEntry(settings.events, ev.eventName);
  if (!entry?.enabled) return null;
  return { type: 'event', evtName: entry.name, evtData: flattenPayload(ev.payload, leftOut), ts: recordTimestamp(ev) };
}

/**
 * The settings entry of an event name: its own entry when configured, else the entry of its
 * catalogue name (`SUBSCRIPTION_REFUNDED` is the docs' other spelling of
 * `SUBSCRIPTION_REFUNDED_REVOKED`, so enabling the catalogue event covers both).
 */
export function findEventEntry(events: Record<string, MappingEntry>, eventName: string): MappingEntry | undefined {
  if (Object.hasOwn(events, eventName)) return events[eventName];
  const canonical = canonicalEventName(eventName);
  return Object.hasOwn(events, canonical) ? events[canonical] : undefined;
}
