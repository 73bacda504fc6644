/**
 * The one rule that lets any signed payload be stored and processed on both stores: NUL and
 * lone surrogates become U+FFFD in every string and key, at any depth, before anything keys on
 * them; dates outside years 0–9999 never reach a column or a record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEventRow } from '../../src/ingest/build-event-row.js';
import { MAX_DATE_MS, MIN_DATE_MS, parsePurchaselyEvent, type ParsedEvent } from '../../src/purchasely/payload.js';
import { isStorableText, toStorableJson, toStorableText } from '../../src/purchasely/storable-text.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const R = '\ufffd';
const ACTIVATE = JSON.parse(readFileSync(`${PURCHASELY_FIXTURE_DIR}/ACTIVATE.json`, 'utf8')) as Record<string, unknown>;

function parse(payload: Record<string, unknown> | string): ParsedEvent {
  const result = parsePurchaselyEvent(Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));
  if (!result.ok) throw new Error(`quarantined: ${result.reason}`);
  return result.event;
}

describe('storable text', () => {
  it.each([
    ['a\u0000b', `a${R}b`],
    ['\u0000\u0000', `${R}${R}`],
    ['\ud800', R],
    ['x\udfffy', `x${R}y`],
    ['\udc00\ud800', `${R}${R}`],
    ['\ud83d\ude00 stays', '\ud83d\ude00 stays'],
    ['plain', 'plain'],
  ])('%j becomes %j, same length', (input, expected) => {
    expect(toStorableText(input)).toBe(expected);
    expect(toStorableText(input)).toHaveLength(input.length);
    expect(isStorableText(toStorableText(input))).toBe(true);
  });

  it('rewrites strings and keys at any depth, keeps key order, __proto__ as data, and the later of two keys made equal', () => {
    const value = JSON.parse('{"a\\u0000":1,"b":[{"c":"\\ud800"},["\\u0000"]],"__proto__":{"x\\u0000":"y"},"k\\u0000":"first","k\\ufffd":"second"}') as Record<string, unknown>;
    const fixed = toStorableJson(value);
    expect(Object.keys(fixed)).toEqual([`a${R}`, 'b', '__proto__', `k${R}`]);
    expect(Object.getPrototypeOf(fixed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(fixed, '__proto__')?.value).toEqual({ [`x${R}`]: 'y' });
    expect(fixed['b']).toEqual([{ c: R }, [R]]);
    expect(fixed[`k${R}`]).toBe('second');
  });

  it('walks 100,000 levels without recursion', () => {
    const text = '['.repeat(100_000) + '"\\u0000"' + ']'.repeat(100_000);
    let node = toStorableJson(JSON.parse(text) as unknown[]) as unknown;
    for (let i = 0; i < 100_000; i++) node = (node as unknown[])[0];
    expect(node).toBe(R);
  });
});

describe('the parser hands every reader the storable payload', () => {
  it('normalises the ids everything keys on and every other string, wherever it sits', () => {
    const ev = parse({
      ...ACTIVATE,
      event_id: 'e\u0000',
      event_name: 'ACT\u0000',
      user_id: '\ud800u',
      anonymous_user_id: 'a\u0000',
      environment: 'P\u0000',
      extra: { 'k\u0000': ['v\udc00'] },
    });
    expect(ev).toMatchObject({ eventId: `e${R}`, eventName: `ACT${R}`, userId: `${R}u`, anonymousUserId: `a${R}`, userKey: `${R}u`, environment: `P${R}` });
    expect(ev.payload['extra']).toEqual({ [`k${R}`]: [`v${R}`] });
    expect(JSON.stringify(ev.payload)).not.toMatch(/\\u0000|\\ud[89a-f]/i);
  });

  it('leaves a payload without such escapes as parsed (an escaped emoji pair included)', () => {
    const ev = parse({ ...ACTIVATE, plan: 'smile \ud83d\ude00' });
    expect(ev.payload['plan']).toBe('smile \ud83d\ude00');
    const escaped = parse(JSON.stringify({ ...ACTIVATE }).replace('"monthly"', '"\\ud83d\\ude00"'));
    expect(escaped.payload['plan']).toBe('\ud83d\ude00');
  });

  it('builds the row from the same storable text, keeping the raw bytes', () => {
    const body = Buffer.from(JSON.stringify({ ...ACTIVATE, event_id: 'e\u0000', user_id: 'u\u0000' }));
    const row = buildEventRow('app_x', body, 1);
    expect(row).toMatchObject({ status: 'received', eventId: `e${R}`, userId: `u${R}`, userKey: `u${R}` });
    expect(row.rawBody.equals(body)).toBe(true);
  });

  it('fills a quarantined row’s columns with storable text too', () => {
    const row = buildEventRow('app_x', Buffer.from(JSON.stringify({ event_id: 'q\u0000', user_id: 'u\ud800' })), 1);
    expect(row).toMatchObject({ status: 'quarantined', reason: 'missing_event_name', eventId: `q${R}`, userId: `u${R}` });
  });

  it.each([
    [MIN_DATE_MS, true],
    [MAX_DATE_MS, true],
    [MIN_DATE_MS - 1, false],
    [MAX_DATE_MS + 1, false],
    [8.64e15, false],
    [-8.64e15, false],
    [1e300, false],
  ])('event_created_at_ms %d is usable: %s', (ms, usable) => {
    const result = parsePurchaselyEvent(JSON.stringify({ ...ACTIVATE, event_created_at_ms: ms }));
    expect(result.ok ? 'ok' : result.reason).toBe(usable ? 'ok' : 'event_created_at_out_of_range');
  });

  it('takes top-level _ms dates out of range out of the payload and names them', () => {
    const ev = parse({ ...ACTIVATE, purchased_at_ms: 1e20, defer_end_at_ms: -1e300, next_renewal_at_ms: MAX_DATE_MS, nested: { x_ms: 1e20 } });
    expect(ev.outOfRangeDates).toEqual(['purchased_at_ms', 'defer_end_at_ms']);
    expect(ev.payload).not.toHaveProperty('purchased_at_ms');
    expect(ev.payload).not.toHaveProperty('defer_end_at_ms');
    expect(ev.payload['purchased_at']).toBe(ACTIVATE['purchased_at']);
    expect(ev.payload['next_renewal_at_ms']).toBe(MAX_DATE_MS);
    // Nested values are the mapping's business (flattenPayload leaves such twins out too).
    expect(ev.payload['nested']).toEqual({ x_ms: 1e20 });
    expect(parse(ACTIVATE).outOfRangeDates).toEqual([]);
  });
});
