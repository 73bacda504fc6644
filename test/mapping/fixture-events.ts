import { readFileSync } from 'node:fs';
import { parsePurchaselyEvent, type ParsedEvent } from '../../src/purchasely/payload.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

/** The documented Purchasely payloads (verbatim from the docs). */
export const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;

/** Parses a documented fixture the way the webhook does, so tests see real ParsedEvents. */
export function loadFixtureEvent(name: 'ACTIVATE' | 'SUBSCRIPTION_STARTED' | 'TRANSACTION_PROCESSED'): ParsedEvent {
  const parsed = parsePurchaselyEvent(readFileSync(`${FIXTURE_DIR}/${name}.json`));
  if (!parsed.ok) throw new Error(`fixture ${name} did not parse: ${parsed.reason}`);
  return parsed.event;
}

/** A ParsedEvent around an arbitrary payload, for edge cases the fixtures do not cover. */
export function eventWith(payload: Record<string, unknown>, overrides: Partial<ParsedEvent> = {}): ParsedEvent {
  return {
    eventId: String(payload['event_id'] ?? 'evt-1'),
    eventName: String(payload['event_name'] ?? 'ACTIVATE'),
    eventCreatedAtMs: Number(payload['event_created_at_ms'] ?? 1_700_000_000_000),
    userId: (payload['user_id'] as string | undefined) ?? null,
    anonymousUserId: (payload['anonymous_user_id'] as string | undefined) ?? null,
    userKey: (payload['user_id'] as string | undefined) ?? (payload['anonymous_user_id'] as string | undefined) ?? null,
    environment: (payload['environment'] as string | undefined) ?? null,
    payload,
    unreadableAmounts: [],
    outOfRangeDates: [],
    ...overrides,
  };
}
