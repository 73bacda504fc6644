import { createHash } from 'node:crypto';
import { parsePurchaselyEvent } from '../purchasely/payload.js';
import type { NewEventRow } from '../store/repos/events-repo.js';

const MAX_ID_LENGTH = 256;

/**
 * Turns a signed raw body into the `events` row to store: a `received` event when the payload
 * is usable, otherwise a `quarantined` one with the parser's reason (SPEC §2: once signed, we
 * store and answer 200 whatever arrived). Pure: same bytes, same row.
 */
export function buildEventRow(appId: string, rawBody: Buffer, receivedAt: number): NewEventRow {
  const parsed = parsePurchaselyEvent(rawBody);
  if (parsed.ok) {
    const e = parsed.event;
    // PostgreSQL TEXT cannot hold NUL; an id with one is no Purchasely id, so it is quarantined
    // (the same on both stores) rather than failing the insert.
    if (e.eventId.includes('\u0000')) return quarantined(appId, rawBody, receivedAt, 'invalid_event_id', null);
    // 1e300 is a finite number but no date: PostgreSQL's BIGINT refuses it and Date cannot show it.
    if (!isDateMs(e.eventCreatedAtMs)) return quarantined(appId, rawBody, receivedAt, 'invalid_event_created_at', e.payload);
    // User keys are indexed (PostgreSQL caps an index entry near 2.7 kB) and keyed on forever.
    if ((e.userId?.length ?? 0) > MAX_ID_LENGTH) return quarantined(appId, rawBody, receivedAt, 'invalid_user_id', e.payload);
    if ((e.anonymousUserId?.length ?? 0) > MAX_ID_LENGTH) return quarantined(appId, rawBody, receivedAt, 'invalid_anonymous_user_id', e.payload);
    return {
      appId,
      eventId: e.eventId,
      eventName: cleanText(e.eventName),
      userKey: cleanText(e.userKey),
      userId: cleanText(e.userId),
      anonymousUserId: cleanText(e.anonymousUserId),
      environment: cleanText(e.environment),
      receivedAt,
      eventCreatedAt: e.eventCreatedAtMs,
      status: 'received',
      reason: null,
      rawBody,
    };
  }
  return quarantined(appId, rawBody, receivedAt, parsed.reason, peekObject(rawBody));
}

function quarantined(appId: string, rawBody: Buffer, receivedAt: number, reason: string, payload: Record<string, unknown> | null): NewEventRow {
  const given = payload ? usableText(payload, 'event_id') : null;
  const userId = payload ? usableText(payload, 'user_id') : null;
  const anonymousUserId = payload ? usableText(payload, 'anonymous_user_id') : null;
  return {
    appId,
    eventId: given ?? quarantineIdOf(rawBody),
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

/** The range of a JavaScript Date (±100,000,000 days around 1970), which also fits BIGINT. */
const MAX_DATE_MS = 8.64e15;

function isDateMs(ms: number): boolean {
  return Number.isSafeInteger(ms) && Math.abs(ms) <= MAX_DATE_MS;
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

function usableText(payload: Record<string, unknown>, key: string): string | null {
  if (!Object.prototype.hasOwnProperty.call(payload, key)) return null;
  const value = payload[key];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > MAX_ID_LENGTH || value.includes('\u0000')) return null;
  return value;
}

/** Column text without NUL (PostgreSQL refuses it); the raw body keeps the original. */
function cleanText(value: string | null): string | null {
  return value === null || !value.includes('\u0000') ? value : value.replaceAll('\u0000', '');
}
