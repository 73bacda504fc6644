import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parsePurchaselyEvent } from '../../src/purchasely/payload.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const FIXTURES = PURCHASELY_FIXTURE_DIR;
const readFixture = (name: string) => readFileSync(`${FIXTURES}/${name}.json`);

describe('parsePurchaselyEvent', () => {
  it('parses the documented ACTIVATE payload', () => {
    const result = parsePurchaselyEvent(readFixture('ACTIVATE'));
    expect(result).toMatchObject({
      ok: true,
      event: {
        eventId: '5e45109f-7fac-45f8-a7e4-464892d5d35d',
        eventName: 'ACTIVATE',
        eventCreatedAtMs: 1702390766120,
        userId: 'toto',
        anonymousUserId: null,
        userKey: 'toto',
        environment: 'SANDBOX',
      },
    });
    if (result.ok) expect(result.event.payload['plan_price_in_eur']).toBe(9.99);
  });

  it('keys an anonymous payload by its anonymous_user_id', () => {
    const result = parsePurchaselyEvent(readFixture('SUBSCRIPTION_STARTED'));
    expect(result).toMatchObject({
      ok: true,
      event: { userId: null, anonymousUserId: '5ca811b6-46e9-4847-9381-3911bd5fcd7b', userKey: '5ca811b6-46e9-4847-9381-3911bd5fcd7b' },
    });
  });

  it('prefers user_id over anonymous_user_id for the user key', () => {
    const result = parsePurchaselyEvent(JSON.stringify({ event_id: 'e', event_name: 'ACTIVATE', event_created_at_ms: 1, user_id: 'u', anonymous_user_id: 'a' }));
    expect(result).toMatchObject({ ok: true, event: { userKey: 'u', userId: 'u', anonymousUserId: 'a' } });
  });

  it('leaves the user key null when neither id is there (processing skips it as no_user_key)', () => {
    const result = parsePurchaselyEvent(JSON.stringify({ event_id: 'e', event_name: 'ACTIVATE', event_created_at_ms: 1, user_id: null }));
    expect(result).toMatchObject({ ok: true, event: { userKey: null, userId: null, anonymousUserId: null, environment: null } });
  });

  it('falls back to a parsable event_created_at when the _ms twin is missing', () => {
    const result = parsePurchaselyEvent(JSON.stringify({ event_id: 'e', event_name: 'X', event_created_at: '2023-12-12T14:19:26.120Z' }));
    expect(result).toMatchObject({ ok: true, event: { eventCreatedAtMs: 1702390766120 } });
  });

  it('keeps an unknown event name (it is stored and shown, never rejected)', () => {
    const result = parsePurchaselyEvent(JSON.stringify({ event_id: 'e', event_name: 'PURCHASE_VALIDATED', event_created_at_ms: 5 }));
    expect(result).toMatchObject({ ok: true, event: { eventName: 'PURCHASE_VALIDATED' } });
  });

  it('drops a UTF-8 byte-order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFixture('ACTIVATE')]);
    expect(parsePurchaselyEvent(body)).toMatchObject({ ok: true, event: { eventName: 'ACTIVATE' } });
  });

  it('reads UTF-16LE with a byte-order mark', () => {
    const text = JSON.stringify({ event_id: 'é', event_name: 'ACTIVATE', event_created_at_ms: 1 });
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(parsePurchaselyEvent(body)).toMatchObject({ ok: true, event: { eventId: 'é' } });
  });

  it('keeps __proto__ as a plain own key without touching prototypes', () => {
    const result = parsePurchaselyEvent('{"event_id":"e","event_name":"ACTIVATE","event_created_at_ms":1,"__proto__":{"user_id":"evil","polluted":true}}');
    expect(result).toMatchObject({ ok: true, event: { userKey: null } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each([
    ['not JSON', 'event_id=1', 'invalid_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x00, 0x80]), 'invalid_encoding'],
    ['an empty body', '', 'invalid_json'],
    ['a JSON array', '[{"event_id":"e"}]', 'not_an_object'],
    ['JSON null', 'null', 'not_an_object'],
    ['a JSON string', '"ACTIVATE"', 'not_an_object'],
    ['no event_id', '{"event_name":"ACTIVATE","event_created_at_ms":1}', 'missing_event_id'],
    ['a numeric event_id', '{"event_id":42,"event_name":"ACTIVATE","event_created_at_ms":1}', 'missing_event_id'],
    ['an empty event_id', '{"event_id":"","event_name":"ACTIVATE","event_created_at_ms":1}', 'invalid_event_id'],
    ['an event_id that is a dot segment', '{"event_id":".","event_name":"ACTIVATE","event_created_at_ms":1}', 'invalid_event_id'],
    ['an event_id that is a double-dot segment', '{"event_id":"..","event_name":"ACTIVATE","event_created_at_ms":1}', 'invalid_event_id'],
    ['no event_name', '{"event_id":"e","event_created_at_ms":1}', 'missing_event_name'],
    ['a null event_name', '{"event_id":"e","event_name":null,"event_created_at_ms":1}', 'missing_event_name'],
    ['no creation time', '{"event_id":"e","event_name":"ACTIVATE"}', 'missing_event_created_at'],
    ['a string _ms and no date', '{"event_id":"e","event_name":"ACTIVATE","event_created_at_ms":"1"}', 'missing_event_created_at'],
    ['an unparsable date', '{"event_id":"e","event_name":"ACTIVATE","event_created_at":"yesterday"}', 'missing_event_created_at'],
    ['a deeply nested body', '['.repeat(200_000) + ']'.repeat(200_000), null],
  ])('quarantines %s', (_label, body, reason) => {
    const result = parsePurchaselyEvent(body as string | Buffer);
    expect(result.ok).toBe(false);
    if (reason !== null && !result.ok) expect(result.reason).toBe(reason);
  });

  it('never throws on arbitrary bytes or JSON values', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array().map((b) => Buffer.from(b)),
          fc.json(),
          fc.string(),
        ),
        (body) => {
          const result = parsePurchaselyEvent(body);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });
});
