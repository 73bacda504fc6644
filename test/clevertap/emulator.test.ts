/**
 * The emulator's own contract (SPEC §6), driven over HTTP with fetch so nothing of the bridge's
 * client is involved.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';

const ts = 1_700_000_000;
const A = { accountId: 'ACC-A', passcode: 'pass-a' };
const B = { accountId: 'ACC-B', passcode: 'pass-b', region: 'in1' as const };

let emu: ClevertapEmulator;

beforeAll(async () => {
  emu = await startClevertapEmulator({ accounts: [A, B] });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.setFaults({ all401: false, errorRate: 0, maxConcurrency: 15, latencyMs: 0 });
  emu.clear();
});

async function upload(path: string, creds: { accountId: string; passcode: string }, body: unknown) {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-clevertap-account-id': creds.accountId, 'x-clevertap-passcode': creds.passcode },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const event = (identity: string, extra: Record<string, unknown> = {}) => ({ type: 'event', evtName: 'Renewed', evtData: {}, ts, identity, ...extra });

describe('POST /1/upload', () => {
  it('stores valid records and answers success', async () => {
    const res = await upload('/1/upload', A, { d: [event('u1'), event('u2')] });
    expect(res).toEqual({ status: 200, body: { status: 'success', processed: 2, unprocessed: [] } });
    expect(emu.records().map((r) => r.account)).toEqual(['ACC-A', 'ACC-A']);
  });

  it("answers unknown credentials with CleverTap's 401 body", async () => {
    const res = await upload('/1/upload', { accountId: 'ACC-A', passcode: 'wrong' }, { d: [] });
    expect(res).toEqual({ status: 401, body: { status: 'fail', error: 'Invalid Credentials', code: 401 } });
    const missing = await fetch(`${emu.url}/1/upload`, { method: 'POST', body: '{"d":[]}' });
    expect(missing.status).toBe(401);
  });

  it('answers 400 to a malformed body, a body without "d", and more than 1000 records', async () => {
    expect((await upload('/1/upload', A, '{not json')).status).toBe(400);
    expect((await upload('/1/upload', A, { records: [] })).status).toBe(400);
    const over = await upload('/1/upload', A, { d: Array.from({ length: 1001 }, (_, i) => event(`u${i}`)) });
    expect(over.status).toBe(400);
    expect(over.body['code']).toBe(400);
    expect(emu.records()).toEqual([]);
  });

  it('puts "Skipped record number : k" (1-based) and the record in each refusal', async () => {
    const res = await upload('/1/upload', A, { d: [event('u1'), event('u2', { evtName: '' })] });
    expect(res.body['status']).toBe('partial');
    expect(res.body['processed']).toBe(1);
    const [refusal] = res.body['unprocessed'] as Array<Record<string, unknown>>;
    expect(refusal?.['code']).toBe(509);
    expect(refusal?.['error']).toMatch(/Skipped record number : 2$/);
    expect(refusal?.['record']).toEqual(event('u2', { evtName: '' }));
  });
});

describe('Charged items', () => {
  it('accepts Items on Charged and refuses them on other events with 512', async () => {
    const items = [{ product: 'premium', plan: 'monthly', purchase_type: 'RENEWAL' }];
    const res = await upload('/1/upload', A, {
      d: [
        { type: 'event', evtName: 'Charged', evtData: { Amount: 9.99, Currency: 'EUR', Items: items }, ts, identity: 'u1' },
        { type: 'event', evtName: 'Renewed', evtData: { Items: items }, ts, identity: 'u1' },
      ],
    });
    expect(res.body['processed']).toBe(1);
    expect((res.body['unprocessed'] as Array<{ code: number }>).map((u) => u.code)).toEqual([512]);
  });
});

describe('regions', () => {
  it('accepts any account on the region-agnostic path', async () => {
    expect((await upload('/1/upload', B, { d: [] })).status).toBe(200);
  });

  it('requires a registered region to match a region-scoped path', async () => {
    expect((await upload('/in1/1/upload', B, { d: [] })).status).toBe(200);
    expect((await upload('/eu1/1/upload', B, { d: [] })).status).toBe(401);
  });

  it('lets an account without a region use every region path', async () => {
    expect((await upload('/sk1/1/upload', A, { d: [] })).status).toBe(200);
  });

  it('does not serve unknown regions', async () => {
    expect((await upload('/xx9/1/upload', A, { d: [] })).status).toBe(404);
  });
});

describe('control API', () => {
  it('filters records by account, identity and objectId', async () => {
    await upload('/1/upload', A, { d: [event('u1'), event('u2'), { type: 'event', evtName: 'X', evtData: {}, ts, objectId: '__abc' }] });
    await upload('/1/upload', B, { d: [event('u1')] });
    const get = async (q: string) => ((await (await fetch(`${emu.url}/_emulator/records${q}`)).json()) as { records: Array<Record<string, unknown>> }).records;
    expect(await get('')).toHaveLength(4);
    expect(await get('?account=ACC-B')).toHaveLength(1);
    expect(await get('?identity=u1')).toHaveLength(2);
    expect(await get('?account=ACC-A&identity=u1')).toHaveLength(1);
    const [byObject] = await get('?objectId=__abc');
    expect(byObject?.['record']).toMatchObject({ objectId: '__abc' });
    expect(byObject).toMatchObject({ account: 'ACC-A' });
    expect(typeof byObject?.['requestId']).toBe('string');
    expect(Number.isNaN(Date.parse(String(byObject?.['receivedAt'])))).toBe(false);
  });

  it('forgets records and profiles on DELETE /_emulator/records', async () => {
    await upload('/1/upload', A, { d: [event('u1')] });
    expect(emu.profiles()).toHaveLength(1);
    const res = await fetch(`${emu.url}/_emulator/records`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(emu.records()).toEqual([]);
    expect(emu.profiles()).toEqual([]);
  });

  it('registers an account through POST /_emulator/accounts', async () => {
    const C = { accountId: 'ACC-C', passcode: 'pass-c', region: 'us1' };
    const res = await fetch(`${emu.url}/_emulator/accounts`, { method: 'POST', body: JSON.stringify(C) });
    expect(res.status).toBe(201);
    expect((await upload('/us1/1/upload', C, { d: [] })).status).toBe(200);
    const wrong = await fetch(`${emu.url}/_emulator/accounts`, { method: 'POST', body: JSON.stringify({ ...C, region: 'moon' }) });
    expect(wrong.status).toBe(400);
  });

  it('changes faults at run time through POST /_emulator/faults and rejects bad values', async () => {
    const set = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ all401: true }) });
    expect(set.status).toBe(200);
    expect((await upload('/1/upload', A, { d: [] })).status).toBe(401);
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ errorRate: 2 }) });
    expect(bad.status).toBe(400);
    expect(emu.settings().errorRate).toBe(0);
  });

  it('counts requests, statuses, and the highest concurrency per account', async () => {
    emu.setFaults({ latencyMs: 150 });
    await Promise.all([1, 2, 3].map(() => upload('/1/upload', A, { d: [] })));
    await upload('/1/upload', { accountId: 'ACC-A', passcode: 'x' }, { d: [] });
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as ReturnType<ClevertapEmulator['stats']>;
    expect(stats.requests).toBe(4);
    expect(stats.statusCounts).toEqual({ '200': 3, '401': 1 });
    expect(stats.accounts['ACC-A']).toEqual({ requests: 3, inFlight: 0, maxConcurrency: 3 });
    expect(stats.inFlight).toBe(0);
  });
});

describe('inferred rules', () => {
  it('can be switched off, leaving only the documented ones', async () => {
    const lenient = await startClevertapEmulator({ accounts: [A], strictInferred: false });
    try {
      const res = await fetch(`${lenient.url}/1/upload`, {
        method: 'POST',
        headers: { 'x-clevertap-account-id': A.accountId, 'x-clevertap-passcode': A.passcode },
        body: JSON.stringify({
          d: [
            event('u1', { evtName: 'Sub.Started' }), // forbidden character: inferred
            event('u2', { ts: ts * 1000 }), // milliseconds: inferred
            event('u3', { evtName: 'App Launched' }), // reserved: documented
          ],
        }),
      });
      const body = (await res.json()) as { processed: number; unprocessed: Array<{ code: number }> };
      expect(body.processed).toBe(2);
      expect(body.unprocessed.map((u) => u.code)).toEqual([513]);
    } finally {
      await lenient.close();
    }
  });
});
