import type { EventAttemptOut, EventDetailOut, EventItemOut, EventRecordOut } from '../contract/events.js';
import { isSerializableDateMs } from '../purchasely/payload.js';
import type { EventAttemptRow, EventDeliverySummary, EventRecord, EventRecordRow, EventWithBody } from '../store/repos/events-repo.js';

/** One line of the event log as the API shows it (SPEC §2): the contract's `EventItemOut`. */
export type EventItem = EventItemOut;

/** A record of an event, an attempt that carried one, and the event with both, as the API shows them: the contract's shapes. */
export type EventRecordItem = EventRecordOut;
export type EventAttemptItem = EventAttemptOut;
export type EventDetail = EventDetailOut;

/**
 * RFC 3339 text of a stored time, or null when it has none: a date before year 0 or after 9999
 * (stored before ingest refused them) would make toISOString throw or write a signed six-digit
 * year, and one such row must not break the whole log.
 */
function iso(ms: number | null): string | null {
  return ms === null || !isSerializableDateMs(ms) ? null : new Date(ms).toISOString();
}

/**
 * A parsed payload nested deeper than this is shown as text (`rawBody`) instead: serialising
 * the answer recurses, and V8's JSON.stringify overflows the stack a few thousand levels down.
 */
export const MAX_SHOWN_PAYLOAD_DEPTH = 1000;

/** True when `value` nests objects or arrays more than `max` levels deep. Iterative. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: { node: unknown; depth: number }[] = [{ node: value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

const NO_DELIVERY: EventDeliverySummary = { requests: 0, retriesUsed: 0, lastError: null, deliveredAt: null, heldSince: null, holdUntil: null };

export function toEventItemOut(e: EventRecord, delivery: EventDeliverySummary = NO_DELIVERY): EventItem {
  return {
    eventId: e.eventId,
    eventName: e.eventName,
    userId: e.userId,
    anonymousUserId: e.anonymousUserId,
    environment: e.environment,
    receivedAt: new Date(e.receivedAt).toISOString(),
    eventCreatedAt: iso(e.eventCreatedAt),
    status: e.status,
    reason: e.reason,
    note: e.note,
    duplicates: e.duplicates,
    late: e.late,
    requests: delivery.requests,
    retriesUsed: delivery.retriesUsed,
    lastError: delivery.lastError,
    deliveredAt: iso(delivery.deliveredAt),
    heldSince: iso(delivery.heldSince),
    holdUntil: iso(delivery.holdUntil),
  };
}

function parseJsonOr<T>(text: string | null, fallback: T): unknown {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function toEventDetailOut(
  e: EventWithBody,
  records: readonly EventRecordRow[],
  attempts: readonly EventAttemptRow[],
  delivery: EventDeliverySummary = NO_DELIVERY,
  requestsPerRecord: ReadonlyMap<number, number> = new Map(),
): EventDetail {
  const detail: EventDetail = { ...toEventItemOut(e, delivery), payload: null, records: [], attempts: [] };
  if (e.rawBody !== null) {
    const text = e.rawBody.toString('utf8');
    let payload: unknown;
    try {
      payload = JSON.parse(text) as unknown;
    } catch {
      // Quarantined bodies may be anything; show them as text (erased payloads have no body).
      payload = undefined;
    }
    if (payload === undefined || nestsDeeperThan(payload, MAX_SHOWN_PAYLOAD_DEPTH)) detail.rawBody = text;
    else detail.payload = payload;
  }
  detail.records = records.map((r) => ({
    id: r.id,
    kind: r.kind,
    target: r.target,
    state: r.state,
    reason: r.reason,
    attempts: r.attempts,
    lastCode: r.lastCode,
    lastMessage: r.lastMessage,
    generation: r.generation,
    body: parseJsonOr(r.bodyJson, null),
    identifier: parseJsonOr(r.identifierJson, null),
    createdAt: new Date(r.createdAt).toISOString(),
    deliveredAt: iso(r.deliveredAt),
    requests: requestsPerRecord.get(r.id) ?? 0,
    holdUntil: r.state === 'held' ? iso(r.holdUntil) : null,
  }));
  detail.attempts = attempts.map((a) => ({
    id: a.id,
    startedAt: new Date(a.startedAt).toISOString(),
    httpStatus: a.httpStatus,
    outcome: a.outcome,
    response: a.responseText,
    latencyMs: a.latencyMs,
    recordCount: a.recordCount,
  }));
  return detail;
}

/** Opaque page cursor: the `seq` of the last item shown, versioned so its form can change. */
export function encodeEventCursor(seq: number): string {
  return Buffer.from(`e1:${seq}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^e1:(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}
