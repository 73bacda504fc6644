/**
 * Flattening walks an explicit stack (issue 15: a signed event 10,000 levels deep overflowed
 * the call stack): the same records as the recursive walk it replaced for every payload within
 * MAX_FLATTEN_DEPTH, a depth cap beyond it, and dates no CleverTap `$D_` can carry left out —
 * each reported for the event's note.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from '../../src/clevertap/naming.js';
import type { Scalar } from '../../src/clevertap/types.js';
import { formatCleverTapDate, parseRfc3339 } from '../../src/mapping/clevertap-date.js';
import { EXCLUDED_ATTRIBUTES, flattenPayload, MAX_FLATTEN_DEPTH, sanitizeKey, type FlattenLeftOut } from '../../src/mapping/flatten-payload.js';
import { planEvent } from '../../src/mapping/plan-event.js';
import { eventWith } from './fixture-events.js';
import { on, settingsWith } from './settings-helper.js';

/** The recursive flattening as it was before issue 15 (reference for payloads of sane depth). */
function recursiveFlatten(payload: Record<string, unknown>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  const set = (name: string, value: Scalar) => Object.defineProperty(out, sanitizeKey(name), { value, enumerable: true, writable: true, configurable: true });
  const object = (prefix: string, obj: Record<string, unknown>, excluded: ReadonlySet<string>): void => {
    for (const [key, value] of Object.entries(obj)) {
      if (excluded.has(key)) continue;
      if (key.endsWith('_ms') && key.length > 3 && Object.hasOwn(obj, key.slice(0, -3))) continue;
      const name = prefix === '' ? key : `${prefix}_${key}`;
      const twin = Object.hasOwn(obj, `${key}_ms`) ? obj[`${key}_ms`] : undefined;
      if (typeof twin === 'number' && Number.isFinite(twin)) {
        set(name, formatCleverTapDate(twin));
        continue;
      }
      add(name, value);
    }
  };
  const add = (name: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'string') {
      const ms = parseRfc3339(value);
      set(name, ms === null ? truncateUtf8(value) : formatCleverTapDate(ms));
    } else if (typeof value === 'number') {
      if (Number.isFinite(value)) set(name, value);
    } else if (typeof value === 'boolean') set(name, value);
    else if (Array.isArray(value)) value.forEach((item, i) => add(`${name}_${i}`, item));
    else if (typeof value === 'object') object(name, value as Record<string, unknown>, new Set());
  };
  object('', payload, EXCLUDED_ATTRIBUTES);
  return out;
}

/** `depth` levels of `{key: …}` around `leaf` (depth 1 is `{key: leaf}`). */
function nest(depth: number, leaf: unknown, key = 'a'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { [key]: value };
  return value;
}

const leftOut = (): FlattenLeftOut => ({ outOfRangeDates: [], tooDeep: [] });

describe('flattenPayload', () => {
  it('gives the records the recursive walk gave, key order included, for payloads within the cap and the date range', () => {
    const key = fc.constantFrom('a', 'b', 'x', 'x_ms', 'y', 'y_ms', 'api_version', 'purchase_token', '__proto__', 'home.screen', 'd');
    const leaf = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('2024-01-01T00:00:00Z', 1_700_000_000_000, -1500, null, true),
      fc.double({ min: -6e13, max: 2.5e14 }),
      fc.integer(),
    );
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('object'), tie('array')),
      object: fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
      array: fc.array(tie('tree'), { maxLength: 4 }),
    }));
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 8 }), (raw) => {
        // Through JSON, as payloads arrive (own __proto__ keys, no undefined).
        const payload = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
        const report = leftOut();
        const flat = flattenPayload(payload, report);
        expect(Object.entries(flat)).toEqual(Object.entries(recursiveFlatten(payload)));
        expect(report).toEqual(leftOut());
      }),
      { numRuns: 400 },
    );
  });

  it(`keeps values ${MAX_FLATTEN_DEPTH} levels deep and leaves deeper ones out, naming their attribute`, () => {
    const report = leftOut();
    const flat = flattenPayload(
      { kept: nest(MAX_FLATTEN_DEPTH - 1, 'bottom', 'k'), cut: nest(MAX_FLATTEN_DEPTH, 'bottom', 'c'), list: nest(MAX_FLATTEN_DEPTH, 1, 'l'), flat: 1 },
      report,
    );
    expect(flat).toEqual({ [sanitizeKey(`kept${'_k'.repeat(MAX_FLATTEN_DEPTH - 1)}`)]: 'bottom', flat: 1 });
    expect(report.tooDeep).toEqual(['cut', 'list']);
  });

  it('walks 10,000 and 100,000 levels of objects and arrays without overflowing the stack', () => {
    for (const depth of [10_000, 100_000]) {
      const text = `{"event_id":"e","deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)},"list":${'['.repeat(depth)}1${']'.repeat(depth)},"after":"kept"}`;
      const report = leftOut();
      expect(flattenPayload(JSON.parse(text) as Record<string, unknown>, report)).toEqual({ event_id: 'e', after: 'kept' });
      expect(report.tooDeep).toEqual(['deep', 'list']);
    }
  });

  it('leaves out a twin that is no date between years 0 and 9999; its attribute stands alone', () => {
    const report = leftOut();
    const flat = flattenPayload({ nested: { at: '2024-01-01T00:00:00Z', at_ms: 1e20, other: 'x', other_ms: -1e300, fine: 'y', fine_ms: 253_402_300_799_999 } }, report);
    expect(flat).toEqual({ nested_at: `$D_${Date.parse('2024-01-01T00:00:00Z') / 1000}`, nested_other: 'x', nested_fine: '$D_253402300799' });
    expect(report.outOfRangeDates).toEqual(['nested_at_ms', 'nested_other_ms']);
  });
});

describe('planEvent notes what the records leave out', () => {
  const settings = settingsWith({ events: on('ACTIVATE') });

  it('names out-of-range dates and attributes nested too deep', () => {
    const ev = eventWith(
      { event_name: 'ACTIVATE', user_id: 'u', deep: nest(MAX_FLATTEN_DEPTH + 1, 1), nested: { at: 'x', at_ms: 1e20 } },
      { outOfRangeDates: ['purchased_at_ms'] },
    );
    const plan = planEvent({ ev, settings, enabled: true, profiles: [] });
    expect(plan.records).toHaveLength(1);
    expect(plan.note).toBe(`left out of the records: purchased_at_ms, nested_at_ms (not a date between years 0 and 9999); deep (nested deeper than ${MAX_FLATTEN_DEPTH} levels)`);
  });

  it('says nothing when nothing is left out', () => {
    expect(planEvent({ ev: eventWith({ event_name: 'ACTIVATE', user_id: 'u' }), settings, enabled: true, profiles: [] }).note).toBeNull();
  });

  it('joins the note with the Charged one', () => {
    const ev = eventWith(
      { event_name: 'TRANSACTION_PROCESSED', user_id: 'u', amount_in_eur: 'n/a' },
      { eventName: 'TRANSACTION_PROCESSED', unreadableAmounts: ['amount_in_eur'], outOfRangeDates: ['purchased_at_ms'] },
    );
    const plan = planEvent({
      ev,
      settings: settingsWith({ events: on('TRANSACTION_PROCESSED'), revenue: { chargedEvent: true, currency: 'integration' } }),
      enabled: true,
      profiles: [],
    });
    expect(plan.note).toBe('no Charged record: amount_in_eur is not a number; left out of the records: purchased_at_ms (not a date between years 0 and 9999)');
  });
});
