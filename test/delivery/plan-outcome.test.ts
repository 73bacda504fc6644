import { describe, expect, it } from 'vitest';
import type { UploadOutcome } from '../../src/clevertap/upload-client.js';
import { effectiveLimit, lowerLimit, raiseLimit, RECOVERY_WINDOW_MS } from '../../src/delivery/concurrency-limit.js';
import { worstRecordState } from '../../src/delivery/event-status.js';
import { planOutcome } from '../../src/delivery/plan-outcome.js';
import { jitter, nextRetryDelay, throttleBackoff } from '../../src/delivery/retry-policy.js';

const info = { httpStatus: 200, latencyMs: 5, responseBody: '' };
const records = [
  { id: 1, userKey: 'a', attempts: 0 },
  { id: 2, userKey: 'b', attempts: 2 },
  { id: 3, userKey: 'a', attempts: 0 },
];
const schedule = [1000, 60_000, 300_000];
const middle = () => 0.5; // no jitter

describe('retry policy', () => {
  it('waits the scheduled delay after each failed attempt and gives up after the last', () => {
    expect(nextRetryDelay(1, schedule, middle)).toBe(1000);
    expect(nextRetryDelay(3, schedule, middle)).toBe(300_000);
    expect(nextRetryDelay(4, schedule, middle)).toBeNull();
  });

  it('moves a delay by at most 20 % either way', () => {
    expect(jitter(1000, () => 0)).toBe(800);
    expect(jitter(1000, () => 0.999999)).toBe(1200);
  });

  it('rests a throttled account for the first delay of the schedule, never under 50 ms', () => {
    expect(throttleBackoff([10_000], middle)).toBe(10_000);
    expect(throttleBackoff([10], middle)).toBe(50);
  });
});

describe('adaptive concurrency', () => {
  it('halves on a 429 but never drops below one request', () => {
    expect(lowerLimit(10)).toBe(5);
    expect(lowerLimit(5)).toBe(2);
    expect(lowerLimit(1)).toBe(1);
  });

  it('climbs back one step per success window up to the configured value', () => {
    expect(raiseLimit(2, 10, 0, RECOVERY_WINDOW_MS)).toBe(3);
    expect(raiseLimit(2, 10, 0, RECOVERY_WINDOW_MS - 1)).toBe(2);
    expect(raiseLimit(10, 10, 0, 10 * RECOVERY_WINDOW_MS)).toBe(10);
  });

  it('never uses more than this instance is configured for', () => {
    expect(effectiveLimit(null, 5)).toBe(5);
    expect(effectiveLimit(12, 5)).toBe(5);
    expect(effectiveLimit(2, 5)).toBe(2);
  });
});

describe('event status from its records', () => {
  it('is the worst state of the latest generation: failed > held > pending > delivered', () => {
    expect(
      worstRecordState([
        { generation: 0, state: 'delivered' },
        { generation: 0, state: 'in_flight' },
      ]),
    ).toBe('pending');
    expect(
      worstRecordState([
        { generation: 0, state: 'held' },
        { generation: 0, state: 'pending' },
      ]),
    ).toBe('held');
    expect(
      worstRecordState([
        { generation: 0, state: 'failed' },
        { generation: 0, state: 'held' },
      ]),
    ).toBe('failed');
  });

  it('ignores older generations kept for history', () => {
    expect(
      worstRecordState([
        { generation: 0, state: 'failed' },
        { generation: 1, state: 'delivered' },
      ]),
    ).toBe('delivered');
  });

  it('has no say when only skipped records remain', () => {
    expect(worstRecordState([{ generation: 0, state: 'skipped' }])).toBeNull();
    expect(worstRecordState([])).toBeNull();
  });
});

describe('planning an upload outcome', () => {
  it('delivers every record on success', () => {
    const plan = planOutcome(records, { ...info, kind: 'success', processed: 3 }, schedule, middle);
    expect(plan.fates).toEqual([
      { id: 1, fate: 'delivered' },
      { id: 2, fate: 'delivered' },
      { id: 3, fate: 'delivered' },
    ]);
    expect(plan.account).toBe('success');
  });

  it('retries every record of a 5xx on the schedule, failing those out of attempts', () => {
    const outcome: UploadOutcome = { ...info, httpStatus: 503, kind: 'retryable', reason: 'server_error', message: 'CleverTap answered HTTP 503' };
    const plan = planOutcome(records, outcome, schedule, middle);
    expect(plan.fates).toEqual([
      { id: 1, fate: 'retry', attempts: 1, delayMs: 1000, code: 503, message: 'CleverTap answered HTTP 503' },
      { id: 2, fate: 'retry', attempts: 3, delayMs: 300_000, code: 503, message: 'CleverTap answered HTTP 503' },
      { id: 3, fate: 'retry', attempts: 1, delayMs: 1000, code: 503, message: 'CleverTap answered HTTP 503' },
    ]);
    const exhausted = planOutcome([{ id: 9, userKey: 'z', attempts: 3 }], outcome, schedule, middle);
    expect(exhausted.fates).toEqual([{ id: 9, fate: 'failed', attempts: 4, code: 503, message: 'CleverTap answered HTTP 503 (gave up after 4 attempts)' }]);
  });

  it('puts everything back without using an attempt on 429 and on 401/403', () => {
    const throttled = planOutcome(records, { ...info, httpStatus: 429, kind: 'throttled', message: '429' }, schedule, middle);
    expect(throttled).toMatchObject({ fates: [], requeueAll: true, account: 'throttled' });
    const refused = planOutcome(records, { ...info, httpStatus: 401, kind: 'auth_failed', message: '401' }, schedule, middle);
    expect(refused).toMatchObject({ fates: [], requeueAll: true, account: 'auth_failed' });
  });

  it('splits a 400 for several records and fails a 400 for one record', () => {
    const outcome: UploadOutcome = { ...info, httpStatus: 400, kind: 'bad_request', message: 'bad' };
    expect(planOutcome(records, outcome, schedule, middle)).toMatchObject({ split: true, fates: [] });
    expect(planOutcome([records[0]!], outcome, schedule, middle).fates).toEqual([{ id: 1, fate: 'failed', attempts: 1, code: 400, message: 'bad' }]);
  });

  it('fails only the refused records of a partial answer and retries a 555, noting the broken order', () => {
    const outcome: UploadOutcome = {
      ...info,
      kind: 'partial',
      bodyStatus: 'partial',
      processed: 1,
      failures: [
        { index: 0, code: 555, message: 'temporary', retryable: true },
        { index: 1, code: 509, message: 'Event name is mandatory. Skipped record number : 2', retryable: false },
      ],
      unmatched: [],
    };
    const plan = planOutcome(records, outcome, schedule, middle);
    expect(plan.fates).toEqual([
      { id: 1, fate: 'retry', attempts: 1, delayMs: 1000, code: 555, message: 'temporary' },
      { id: 2, fate: 'failed', attempts: 3, code: 509, message: 'Event name is mandatory. Skipped record number : 2' },
      { id: 3, fate: 'delivered' },
    ]);
    // User a's record 3 was stored while its record 1 waits for a retry.
    expect(plan.orderBrokenFor).toEqual(['a']);
  });
});
