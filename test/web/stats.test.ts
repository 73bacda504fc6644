import { describe, expect, it } from 'vitest';
import { readStats } from '../../web/src/stats.js';

/** The shape `GET /api/v1/apps/{appId}/stats` answers (SPEC §2, src/http/routes/api/stats.ts). */
const STATS = {
  window: '1h',
  received: 12,
  delivered: 9,
  failed: 1,
  held: 2,
  skipped: 0,
  late: 1,
  quarantined: 0,
  queueDepth: 3,
  deliveryLatencyMs: { p50: 120, p95: 480, p99: 900 },
  perMinute: [
    { minute: '2026-11-27T10:01:00.000Z', received: 5, delivered: 3, failed: 1 },
    { minute: '2026-11-27T10:00:00.000Z', received: 7, delivered: 6, failed: 0 },
  ],
  accounts: [{ accountKey: 'eu1:W9R-1', authState: 'auth_failed' }],
};

describe('reading the stats for the Overview', () => {
  it('reads the counters and the queue depth', () => {
    const view = readStats(STATS);
    expect(Object.fromEntries(view.counters.map((c) => [c.id, c.value]))).toEqual({
      received: 12,
      delivered: 9,
      failed: 1,
      held: 2,
      skipped: 0,
      late: 1,
      quarantined: 0,
    });
    expect(view.queueDepth).toBe(3);
  });

  it('orders the minutes and stacks what is neither delivered nor failed as "other"', () => {
    const view = readStats(STATS);
    expect(view.perMinute.map((p) => p.t)).toEqual([Date.parse('2026-11-27T10:00:00.000Z'), Date.parse('2026-11-27T10:01:00.000Z')]);
    expect(view.perMinute.map((p) => [p.delivered, p.failed, p.other])).toEqual([
      [6, 0, 1],
      [3, 1, 1],
    ]);
  });

  it('reads the latency percentiles and the health of each account', () => {
    const view = readStats(STATS);
    expect(view.latency).toEqual([
      { name: 'p50', ms: 120 },
      { name: 'p95', ms: 480 },
      { name: 'p99', ms: 900 },
    ]);
    expect(view.accounts).toEqual([expect.objectContaining({ key: 'eu1:W9R-1', health: 'auth_failed' })]);
  });

  it('draws nothing rather than failing when fields are missing or null', () => {
    const view = readStats({ deliveryLatencyMs: null });
    expect(view.counters.every((c) => c.value === undefined)).toBe(true);
    expect(view.perMinute).toEqual([]);
    expect(view.latency).toEqual([]);
    expect(view.queueDepth).toBeUndefined();
    expect(view.accounts).toEqual([]);
  });

  it('sums a queue given by state', () => {
    const view = readStats({ queueDepth: { pending: 4, held: 2, inFlight: 1 } });
    expect(view.queueDepth).toBe(7);
    expect(view.queueParts).toEqual([
      { name: 'pending', value: 4 },
      { name: 'held', value: 2 },
      { name: 'inFlight', value: 1 },
    ]);
  });
});
