/**
 * The emulator's `dryRun=1` uploads (validated, answered as usual, nothing stored) and its
 * Delete User Profile API (`POST /1/delete/profiles.json`), driven over HTTP with fetch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';

const ts = 1_700_000_000;
const A = { accountId: 'ACC-A', passcode: 'pass-a' };
const B = { accountId: 'ACC-B', passcode: 'pass-b', region: 'in1' as const };
type Creds = { accountId: string; passcode: string };

let emu: ClevertapEmulator;
beforeAll(async () => {
  emu = await startClevertapEmulator({ accounts: [A, B] });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.setFaults({ all401: false });
  emu.clear();
});

const headers = (c: Creds) => ({ 'content-type': 'application/json', 'x-clevertap-account-id': c.accountId, 'x-clevertap-passcode': c.passcode });

async function post(path: string, body: unknown, creds: Creds = A) {
  const res = await fetch(`${emu.url}${path}`, { method: 'POST', headers: headers(creds), body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const profile = (identifier: Record<string, string>, profileData: Record<string, unknown>) => ({ type: 'profile', ts, profileData, ...identifier });
const event = (identity: string, evtName: string) => ({ type: 'event', identity, ts, evtName, evtData: {} });

describe('dryRun=1', () => {
  it('answers like a real upload, with per-record codes, and stores no record and no profile', async () => {
    const records = [profile({ identity: 'u1' }, { Plan: 'monthly' }), event('u1', 'App Launched'), event('u1', 'Trial Started')];
    const dry = await post('/1/upload?dryRun=1', { d: records });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ status: 'partial', processed: 2, unprocessed: [{ code: 513, record: records[1] }] });
    expect(emu.records()).toEqual([]);
    expect(emu.profiles()).toEqual([]);
    expect(emu.stats()).toMatchObject({ requests: 1, records: 0, statusCounts: { '200': 1 } });

    // The same upload for real stores what the dry run accepted, and the answer is the same.
    const real = await post('/1/upload', { d: records });
    expect(real.body).toEqual(dry.body);
    expect(emu.records()).toHaveLength(2);
  });

  it('also with dryRun=true and on a region path; an existing profile is left as it was', async () => {
    await post('/in1/1/upload', { d: [profile({ identity: 'u2' }, { Plan: 'monthly' })] }, B);
    const dry = await post('/in1/1/upload?dryRun=true', { d: [profile({ identity: 'u2' }, { Plan: { $delete: true } })] }, B);
    expect(dry.body).toMatchObject({ status: 'success', processed: 1 });
    expect(emu.profile('ACC-B', { identity: 'u2' })?.profileData).toEqual({ Plan: 'monthly' });
  });

  it('checks credentials first, like any upload', async () => {
    const res = await post('/1/upload?dryRun=1', { d: [] }, { accountId: 'ACC-A', passcode: 'wrong' });
    expect(res.status).toBe(401);
  });
});

describe('Delete User Profile', () => {
  it('deletes profiles by identity and by CleverTap ID (guid), in the calling account only', async () => {
    await post('/1/upload', { d: [profile({ identity: 'u1' }, { Plan: 'a' }), profile({ identity: 'u2' }, { Plan: 'b' }), profile({ objectId: '__g123' }, { Plan: 'c' })] });
    await post('/in1/1/upload', { d: [profile({ identity: 'u1' }, { Plan: 'other account' })] }, B);

    const byIdentity = await post('/1/delete/profiles.json', { identity: 'u1' });
    expect(byIdentity).toEqual({ status: 200, body: { status: 'success', record_count: 1 } });
    const byGuid = await post('/1/delete/profiles.json', { guid: ['__g123', '__unknown'] });
    expect(byGuid.body).toEqual({ status: 'success', record_count: 1 });

    expect(emu.profiles().map((p) => [p.account, p.identifier])).toEqual([
      ['ACC-A', { identity: 'u2' }],
      ['ACC-B', { identity: 'u1' }],
    ]);
    const lookup = await fetch(`${emu.url}/1/profile.json?identity=u1`, { headers: headers(A) });
    expect(await lookup.json()).toEqual({ status: 'success', record: null });
    // The records log keeps what was received.
    expect(emu.records({ account: 'ACC-A' })).toHaveLength(3);
  });

  it('answers 200 with record_count 0 for unknown identities, on a region path too', async () => {
    expect((await post('/in1/1/delete/profiles.json', { identity: ['nobody', 'nobody-else'] }, B)).body).toEqual({ status: 'success', record_count: 0 });
  });

  it('refuses bad credentials with 401 and bad bodies with 400', async () => {
    expect((await post('/1/delete/profiles.json', { identity: 'u1' }, { accountId: 'ACC-A', passcode: 'nope' })).status).toBe(401);
    emu.setFaults({ all401: true });
    expect((await post('/1/delete/profiles.json', { identity: 'u1' })).status).toBe(401);
    emu.setFaults({ all401: false });
    for (const body of ['{', {}, { identity: [] }, { identity: '' }, { guid: [1.5, {}] }, { identity: Array.from({ length: 101 }, (_, i) => `u${i}`) }, [1]]) {
      const res = await post('/1/delete/profiles.json', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ status: 'fail', code: 400 });
    }
  });
});
