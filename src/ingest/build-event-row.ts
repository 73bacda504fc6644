import { createHash } from 'node:crypto';
import { isUsableEventId, parsePurchaselyEvent } from '../purchasely/payload.js';
import { toStorableText } from '../purchasely/storable-text.js';
import type { EventRowBuilder, NewEventRow } from '../store/repos/events-repo.js';

const MAX_ID_LENGTH = 256;

/**
 * Turns a signed raw body into the `events` row to store: a `received` event when the payload
 * is usable, otherwise a `quarantined` one with the parser's reason (SPEC §2: once signed, we
 * store and answer 200 whatever arrived). Pure: same bytes, same row. The columns come from the
 * parser's payload, in which NUL and lone surrogates are already U+FFFD (src/purchasely/
 * storable-text.ts), the text processing will key on; `rawBody` keeps the bytes as received.
 */
export function buildEventRow(appId: string, rawBody: Buffer, receivedAt: number): NewEventRow {
  const parsed = parsePurchaselyEvent(rawBody);
  if (parsed.ok) {
    const e = parsed.event;
    // User keys are indexed (PostgreSQL caps an index entry near 2.7 kB) and keyed on forever.
    if ((e.userId?.length ?? 0) > MAX_ID_LENGTH) return quarantined(appId, rawBody, receivedAt, 'invalid_user_id', e.payload);
    if ((e.anonymousUserId?.length ?? 0) > MAX_ID_LENGTH) return quarantined(appId, rawBody, receivedAt, 'invalid_anonymous_user_id', e.payload);
    return {
      appId,
      eventId: e.eventId,
      eventName: e.eventName,
      userKey: e.userKey,
      userId: e.userId,
      anonymousUserId: e.anonymousUserId,
      environment: e.environment,
      receivedAt,
      eventCreatedAt: e.eventCreatedAtMs,
      status: 'received',
      reason: null,
      rawBody,
    };
  }
  return quarantined(appId, rawBody, receivedAt, parsed.reason, peekObject(rawBody));
}

/**
 * `buildEventRow` for `store.ingestWriter`: by reference, and by module for the SQLite ingest
 * thread, which imports this file and parses there.
 */
export const EVENT_ROW_BUILDER: EventRowBuilder = { build: buildEventRow, module: import.meta.url };

function quarantined(appId: string, rawBody: Buffer, receivedAt: number, reason: string, payload: Record<string, unknown> | null): NewEventRow {
  const given = payload ? usableText(payload, 'event_id') : null;
  const eventId = given !== null && isUsableEventId(given) ? given : quarantineIdOf(rawBody);
  const userId = payload ? usableText(payload, 'user_id') : null;
  const anonymousUserId = payload ? usableText(payload, 'anonymous_user_id') : null;
  return {
    appId,
    eventId,
    eventName: payload ? usableText(payload, 'event_name') : null,
    userKey: userId ?? anonymousUserId,
    userId,
    anonymousUserId,
    environment: payload ? usableText(payload, 'environment') : null,
    receivedAt,
    eventCreatedAt: null,
    status: 'quarantined',
    reason,
    rawBody,
  };
}

/**
 * A quarantined body without a usable `event_id` is keyed by a digest of its bytes: the same
 * unusable body delivered twice is recognised as a retry, different bodies never collide.
 */
export function quarantineIdOf(rawBody: Buffer): string {
  return `q_${createHash('sha256').update(rawBody).digest('hex').slice(0, 32)}`;
}

/** The JSON object in a body the parser refused, when there is one (to fill what columns we can). */
function peekObject(rawBody: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A text attribute fit for a column (storable, as the parser would make it), or null. */
function usableText(payload: Record<string, unknown>, key: string): string | null {
  if (!Object.prototype.hasOwnProperty.call(payload, key)) return null;
  const value = payload[key];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_ID_LENGTH) return null;
  return toStorableText(value);
}
