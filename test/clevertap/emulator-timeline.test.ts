/**
 * The emulator's request timeline (arrival, answer, status, record count per upload) and its
 * latency counted from the request's arrival — what benchmarks read to measure a client's pacing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator, type TimelineEntry } from '../../tools/clevertap-emulator/index.js';

const A = { accountId: 'ACC-T', passcode: 'pass-t' };
const ts = 1_700_000_000;

let emu: ClevertapEmulator;

beforeAll(async () => {
  emu = await startClevertapEmulator({ accounts: [A] });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.setFaults({ all401: false, latencyMs: 0 });
  emu.clear();
});

async function upload(records: number, passcode = A.passcode): Promise<number> {
  const d = Array.from({ length: records }, (_, i) => ({
    type: 'event',
    evtName: 'Renewed',
    ts,
    identity: `u${i}`,
    evtData: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [`p${k}`, `value ${i} ${k}`])),
  }));
  const res = await fetch(`${emu.url}/eu1/1/upload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-clevertap-account-id': A.accountId, 'x-clevertap-passcode': passcode },
    body: JSON.stringify({ d }),
  });
  await res.text();
  return res.status;
}

describe('request timeline', () => {
  it('lists each upload with its arrival, answer, status and record count, over HTTP too, until a clear', async () => {
    const before = performance.timeOrigin + performance.now();
    expect(await upload(3)).toBe(200);
    expect(await upload(2, 'wrong')).toBe(401);
    const after = performance.timeOrigin + performance.now();
    const timeline = emu.timeline();
    expect(timeline.map((e) => [e.account, e.status, e.records])).toEqual([
      ['ACC-T', 200, 3],
      ['ACC-T', 401, null], // a refused body is not read
    ]);
    for (const e of timeline) {
      expect(e.arrivedAt).toBeGreaterThanOrEqual(before);
      expect(e.answeredAt!).toBeGreaterThanOrEqual(e.arrivedAt);
      expect(e.answeredAt!).toBeLessThanOrEqual(after);
    }
    expect(timeline[1]!.arrivedAt).toBeGreaterThanOrEqual(timeline[0]!.answeredAt!);
    const overHttp = (await (await fetch(`${emu.url}/_emulator/timeline`)).json()) as { timeline: TimelineEntry[] };
    expect(overHttp.timeline).toEqual(timeline);
    emu.clear();
    expect(emu.timeline()).toEqual([]);
  });

  it('switches between refusing and accepting the credentials (all401) while it runs', async () => {
    await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ all401: true }) });
    expect(await upload(1)).toBe(401);
    await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ all401: false }) });
    expect(await upload(1)).toBe(200);
    expect(emu.timeline().map((e) => e.status)).toEqual([401, 200]);
  });
});

describe('latency', () => {
  it('counts from the arrival: a 1000-record upload is answered latencyMs after it arrived, its checks included', async () => {
    emu.setFaults({ latencyMs: 300 });
    expect(await upload(1000)).toBe(200);
    const [entry] = emu.timeline();
    const held = entry!.answeredAt! - entry!.arrivedAt;
    expect(held).toBeGreaterThanOrEqual(299);
    // Parsing and checking 1000 records happen during the wait; storing them comes after it.
    expect(held).toBeLessThan(300 + 150);
    expect(emu.stats().records).toBe(1000);
  });
});

describe('countOnly', () => {
  it('counts accepted records without keeping them or their profiles; refused ones are still answered', async () => {
    const counting = await startClevertapEmulator({ accounts: [A], countOnly: true });
    try {
      const res = await fetch(`${counting.url}/1/upload`, {
        method: 'POST',
        headers: { 'x-clevertap-account-id': A.accountId, 'x-clevertap-passcode': A.passcode },
        body: JSON.stringify({
          d: [
            { type: 'event', evtName: 'Renewed', evtData: {}, ts, identity: 'u1' },
            { type: 'event', evtName: 'Renewed', evtData: {}, ts },
          ],
        }),
      });
      const body = (await res.json()) as { processed: number; unprocessed: Array<{ code: number }> };
      expect([body.processed, body.unprocessed.map((u) => u.code)]).toEqual([1, [523]]);
      expect(counting.stats().records).toBe(1);
      expect(counting.records()).toEqual([]);
      expect(counting.profiles()).toEqual([]);
      expect(counting.timeline().map((e) => e.records)).toEqual([2]);
    } finally {
      await counting.close();
    }
  });
});
