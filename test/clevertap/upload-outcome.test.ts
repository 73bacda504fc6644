import { describe, expect, it } from 'vitest';
import { classifyUploadResponse, sentRecords } from '../../src/clevertap/upload-outcome.js';

const ts = 1_700_000_000;
const records = [
  { type: 'event', evtName: 'A', evtData: { n: 1 }, ts, identity: 'u1' },
  { type: 'event', evtName: 'B', evtData: { n: 2 }, ts, identity: 'u1' },
  { type: 'event', evtName: 'B', evtData: { n: 2 }, ts, identity: 'u1' },
];

function classify(httpStatus: number, body: unknown) {
  return classifyUploadResponse({ httpStatus, bodyText: typeof body === 'string' ? body : JSON.stringify(body), records: sentRecords(records), latencyMs: 12 });
}

describe('classifyUploadResponse', () => {
  it('reads a success body as success with the processed count', () => {
    const o = classify(200, { status: 'success', processed: 3, unprocessed: [] });
    expect(o).toMatchObject({ kind: 'success', processed: 3, httpStatus: 200, latencyMs: 12 });
  });

  it('locates a refused record by "Skipped record number : k" (1-based)', () => {
    const o = classify(200, {
      status: 'partial',
      processed: 2,
      unprocessed: [{ status: 'fail', code: 509, error: 'Event name is mandatory. Skipped record number : 3', record: {} }],
    });
    expect(o).toMatchObject({ kind: 'partial', bodyStatus: 'partial', processed: 2 });
    if (o.kind !== 'partial') throw new Error('unreachable');
    expect(o.failures).toEqual([{ index: 2, code: 509, message: 'Event name is mandatory. Skipped record number : 3', retryable: false }]);
    expect(o.unmatched).toEqual([]);
  });

  it('falls back to the echoed record, ignoring key order, when the message has no number', () => {
    const o = classify(200, {
      status: 'partial',
      processed: 1,
      unprocessed: [
        { status: 'fail', code: 512, error: 'bad', record: { identity: 'u1', ts, evtData: { n: 2 }, evtName: 'B', type: 'event' } },
        { status: 'fail', code: 512, error: 'bad', record: { type: 'event', evtName: 'B', evtData: { n: 2 }, ts, identity: 'u1' } },
      ],
    });
    if (o.kind !== 'partial') throw new Error(`expected partial, got ${o.kind}`);
    // Two identical records: each echoed copy claims a different one.
    expect(o.failures.map((f) => f.index)).toEqual([1, 2]);
  });

  it('keeps a refusal that matches no record as unmatched', () => {
    const o = classify(200, {
      status: 'fail',
      processed: 0,
      unprocessed: [{ status: 'fail', code: 523, error: 'Identity missing', record: { other: true } }],
    });
    if (o.kind !== 'partial') throw new Error(`expected partial, got ${o.kind}`);
    expect(o.bodyStatus).toBe('fail');
    expect(o.failures).toEqual([]);
    expect(o.unmatched).toEqual([{ code: 523, message: 'Identity missing', record: { other: true } }]);
  });

  it('marks only code 555 as retryable', () => {
    const o = classify(200, {
      status: 'partial',
      processed: 1,
      unprocessed: [
        { status: 'fail', code: 555, error: 'Miscellaneous error. Skipped record number : 1' },
        { status: 'fail', code: 525, error: 'Bad timestamp. Skipped record number : 2' },
      ],
    });
    if (o.kind !== 'partial') throw new Error(`expected partial, got ${o.kind}`);
    expect(o.failures.map((f) => [f.index, f.code, f.retryable])).toEqual([
      [0, 555, true],
      [1, 525, false],
    ]);
  });

  it('ignores a record number outside the request and uses the echoed record', () => {
    const o = classify(200, {
      status: 'partial',
      processed: 2,
      unprocessed: [{ status: 'fail', code: 512, error: 'x. Skipped record number : 9', record: records[0] }],
    });
    if (o.kind !== 'partial') throw new Error(`expected partial, got ${o.kind}`);
    expect(o.failures[0]?.index).toBe(0);
  });

  it.each([
    [401, 'auth_failed'],
    [403, 'auth_failed'],
    [429, 'throttled'],
    [400, 'bad_request'],
    [413, 'bad_request'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
  ])('classifies HTTP %i as %s', (status, kind) => {
    expect(classify(status, { status: 'fail', error: 'x', code: status }).kind).toBe(kind);
  });

  it('gives 5xx the server_error reason', () => {
    expect(classify(503, '')).toMatchObject({ kind: 'retryable', reason: 'server_error', httpStatus: 503 });
  });

  it('treats a 200 "fail" without per-record detail as a bad request', () => {
    expect(classify(200, { status: 'fail', error: 'Invalid payload', code: 400 })).toMatchObject({ kind: 'bad_request' });
  });

  it('treats a 200 it cannot read as retryable', () => {
    expect(classify(200, '<html>proxy error</html>')).toMatchObject({ kind: 'retryable', reason: 'unexpected_response' });
  });

  it('keeps at most 2 KiB of the response body', () => {
    const o = classify(500, 'x'.repeat(10_000));
    expect(o.responseBody).toBe('x'.repeat(2048));
  });
});
