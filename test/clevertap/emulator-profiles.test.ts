/**
 * The emulator's stored profiles and its Get User Profile API, driven over HTTP with fetch so
 * nothing of the bridge's client is involved.
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
  emu.setFaults({ errorRate: 0, mode: 'before', all401: false });
  emu.clear();
});

const authHeaders = (c: Creds) => ({ 'x-clevertap-account-id': c.accountId, 'x-clevertap-passcode': c.passcode });

async function upload(records: unknown[], creds: Creds = A, path = '/1/upload') {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders(creds) },
    body: JSON.stringify({ d: records }),
  });
  return { status: res.status, body: (await res.json()) as { processed: number; unprocessed: Array<{ code: number; error: string }> } };
}

async function getProfile(query: string, creds: Creds = A, path = '/1/profile.json') {
  const res = await fetch(`${emu.url}${path}${query}`, { headers: authHeaders(creds) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const profile = (identity: string, profileData: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'profile', identity, ts, profileData, ...extra });
const event = (identity: string, evtName: string, at = ts, extra: Record<string, unknown> = {}) => ({ type: 'event', identity, ts: at, evtName, evtData: {}, ...extra });
const dataOf = (identity: string) => emu.profile('ACC-A', { identity })?.profileData;

describe('profile commands', () => {
  it('applies plain values and commands in order across requests', async () => {
    await upload([profile('u1', { Plan: 'monthly', Tags: ['a', 'b'], Logins: 1, Trial: true })]);
    await upload([profile('u1', { Plan: 'yearly', Tags: { $add: ['b', 'c'] }, Logins: { $incr: 10 } }), profile('u1', { Tags: { $remove: ['a'] }, Logins: { $decr: 3 } })]);
    await upload([profile('u1', { Badges: { $set: ['gold'] }, Credits: { $decr: 2 }, Missing: { $remove: ['x'] } })]);
    expect(dataOf('u1')).toEqual({ Plan: 'yearly', Tags: ['b', 'c'], Logins: 8, Trial: true, Badges: ['gold'], Credits: -2 });
  });

  it('removes a property on $delete, with true or 1, including a typed field like Gender', async () => {
    await upload([profile('u1', { Gender: 'F', Plan: 'monthly', Store: 'APPLE' })]);
    const res = await upload([profile('u1', { Gender: { $delete: 1 }, Plan: { $delete: true } })]);
    expect(res.body.processed).toBe(1);
    expect(dataOf('u1')).toEqual({ Store: 'APPLE' });
  });

  it('keeps booleans as booleans and $D_ date strings as sent', async () => {
    await upload([profile('u1', { 'Auto Renew': false, 'Expires At': '$D_1735689600' })]);
    const data = dataOf('u1');
    expect(data?.['Auto Renew']).toBe(false);
    expect(data?.['Expires At']).toBe('$D_1735689600');
  });

  it.each([
    ['$delete false', { $delete: false }],
    ['$delete with a string', { $delete: 'yes' }],
    ['an unknown command', { $foo: 1 }],
    ['two commands in one value', { $add: ['a'], $remove: ['b'] }],
    ['$add with a number in the list', { $add: ['a', 2] }],
    ['$set with more than 100 strings', { $set: Array.from({ length: 101 }, (_, i) => `s${i}`) }],
    ['$incr with a string', { $incr: '1' }],
    ['a plain nested object', { plan: 'x' }],
  ])('refuses %s with 512 and leaves the profile unchanged', async (_name, value) => {
    await upload([profile('u1', { Tags: ['a'] })]);
    const res = await upload([profile('u1', { Tags: value })]);
    expect(res.body.processed).toBe(0);
    expect(res.body.unprocessed.map((u) => u.code)).toEqual([512]);
    expect(dataOf('u1')).toEqual({ Tags: ['a'] });
  });

  it('stores an invalid command as a plain value when inferred rules are off', async () => {
    const lenient = await startClevertapEmulator({ accounts: [A], strictInferred: false });
    try {
      await fetch(`${lenient.url}/1/upload`, {
        method: 'POST',
        headers: authHeaders(A),
        body: JSON.stringify({ d: [profile('u1', { Tags: { $delete: false }, Plan: { $delete: true } })] }),
      });
      expect(lenient.profile('ACC-A', { identity: 'u1' })?.profileData).toEqual({ Tags: { $delete: false } });
    } finally {
      await lenient.close();
    }
  });

  it('changes nothing for a record refused by a documented rule', async () => {
    await upload([profile('u1', { Gender: 'F' })]);
    const res = await upload([profile('u1', { Gender: 'X', Plan: 'yearly' })]);
    expect(res.body.unprocessed.map((u) => u.code)).toEqual([514]);
    expect(dataOf('u1')).toEqual({ Gender: 'F' });
  });
});

describe('stored profiles', () => {
  it('stores nothing when a fault fires in the default "before" mode', async () => {
    emu.setFaults({ errorRate: 1 });
    const res = await upload([profile('u1', { Plan: 'monthly' }), event('u1', 'Renewed')]);
    expect(res.status).toBe(503);
    expect(emu.profiles()).toEqual([]);
  });

  it('applies the records in "after" mode, where they are stored before the answer fails', async () => {
    emu.setFaults({ errorRate: 1, mode: 'after' });
    expect((await upload([profile('u1', { Plan: 'monthly' })])).status).toBe(503);
    expect(dataOf('u1')).toEqual({ Plan: 'monthly' });
  });

  it('creates an empty profile for an event on an unknown identity and counts events per name', async () => {
    await upload([event('u1', 'Renewed', ts + 100), event('u1', 'Renewed', ts), event('u1', 'Cancelled', ts + 50)]);
    const p = emu.profile('ACC-A', { identity: 'u1' });
    expect(p).toMatchObject({
      account: 'ACC-A',
      identifier: { identity: 'u1' },
      profileData: {},
      events: {
        Renewed: { count: 2, first_seen: ts, last_seen: ts + 100 },
        Cancelled: { count: 1, first_seen: ts + 50, last_seen: ts + 50 },
      },
      ts: ts + 50,
    });
    expect(Number.isNaN(Date.parse(String(p?.updatedAt)))).toBe(false);
  });

  it('keys profiles by identity (stringified), else objectId, else FBID, else GPID, per account', async () => {
    await upload([
      profile('u1', { N: 1 }, { identity: 42 }),
      { type: 'profile', objectId: '__g1', ts, profileData: { N: 2 } },
      { type: 'profile', FBID: 'fb-1', GPID: 'gp-1', ts, profileData: { N: 3 } },
      { type: 'profile', GPID: 'gp-2', ts, profileData: { N: 4 } },
    ]);
    await upload([profile('42', { N: 5 })], B);
    expect(emu.profiles().map((p) => [p.account, p.identifier])).toEqual([
      ['ACC-A', { identity: '42' }],
      ['ACC-A', { objectId: '__g1' }],
      ['ACC-A', { FBID: 'fb-1' }],
      ['ACC-A', { GPID: 'gp-2' }],
      ['ACC-B', { identity: '42' }],
    ]);
  });

  it('lists and filters profiles through GET /_emulator/profiles', async () => {
    await upload([profile('u1', { N: 1 }), profile('u2', { N: 2 }), { type: 'event', objectId: '__g1', ts, evtName: 'Renewed', evtData: {} }]);
    await upload([profile('u1', { N: 3 })], B);
    const list = async (q: string) => ((await (await fetch(`${emu.url}/_emulator/profiles${q}`)).json()) as { profiles: Array<Record<string, unknown>> }).profiles;
    expect(await list('')).toHaveLength(4);
    expect((await list('?account=ACC-B')).map((p) => p['profileData'])).toEqual([{ N: 3 }]);
    expect((await list('?identity=u1')).map((p) => p['account'])).toEqual(['ACC-A', 'ACC-B']);
    expect(await list('?account=ACC-A&identity=u1')).toHaveLength(1);
    const [byObject] = await list('?objectId=__g1');
    expect(byObject).toMatchObject({ account: 'ACC-A', identifier: { objectId: '__g1' }, profileData: {}, events: { Renewed: { count: 1 } } });
    expect(emu.profiles({ account: 'ACC-A', identity: 'u2' }).map((p) => p.profileData)).toEqual([{ N: 2 }]);
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    await upload([profile('u1', { Tags: ['a'] })]);
    const copy = emu.profile('ACC-A', { identity: 'u1' });
    (copy?.profileData['Tags'] as string[]).push('b');
    expect(dataOf('u1')).toEqual({ Tags: ['a'] });
  });

  it('forgets profiles on clear() and on DELETE /_emulator/records', async () => {
    await upload([profile('u1', { N: 1 })]);
    emu.clear();
    expect(emu.profiles()).toEqual([]);
    await upload([profile('u1', { N: 2 })]);
    expect((await fetch(`${emu.url}/_emulator/records`, { method: 'DELETE' })).status).toBe(204);
    expect(emu.profiles()).toEqual([]);
    expect(emu.profile('ACC-A', { identity: 'u1' })).toBeUndefined();
  });
});

describe('GET /1/profile.json', () => {
  it("answers a profile by identity in CleverTap's shape", async () => {
    await upload([profile('u1', { Plan: 'monthly' }), event('u1', 'Charged'), event('u1', 'Charged', ts + 60)]);
    const res = await getProfile('?identity=u1');
    expect(res).toEqual({
      status: 200,
      body: {
        status: 'success',
        record: { identity: 'u1', profileData: { Plan: 'monthly' }, events: { Charged: { count: 2, first_seen: ts, last_seen: ts + 60 } } },
      },
    });
  });

  it('answers a profile by objectId with platformInfo', async () => {
    await upload([{ type: 'profile', objectId: '__g1', ts, profileData: { Plan: 'yearly' } }]);
    const res = await getProfile('?objectId=__g1');
    expect(res.body).toEqual({
      status: 'success',
      record: { profileData: { Plan: 'yearly' }, events: {}, platformInfo: [{ objectId: '__g1' }] },
    });
  });

  it('finds a profile by email through its Email property', async () => {
    await upload([profile('u1', { Email: 'jack@example.com' })]);
    const res = await getProfile(`?email=${encodeURIComponent('jack@example.com')}`);
    expect(res.body['record']).toMatchObject({ email: 'jack@example.com', identity: 'u1', profileData: { Email: 'jack@example.com' } });
  });

  it("serves the region-prefixed path, checking the account's region like uploads", async () => {
    await upload([profile('u1', { N: 1 })], B);
    expect((await getProfile('?identity=u1', B, '/in1/1/profile.json')).body['record']).toMatchObject({ identity: 'u1' });
    expect((await getProfile('?identity=u1', B, '/eu1/1/profile.json')).status).toBe(401);
  });

  it('only sees the profiles of the calling account', async () => {
    await upload([profile('u1', { N: 1 })], B);
    expect((await getProfile('?identity=u1', A)).body).toEqual({ status: 'success', record: null });
  });

  it('answers an unknown profile with a null record', async () => {
    expect(await getProfile('?identity=nobody')).toEqual({ status: 200, body: { status: 'success', record: null } });
  });

  it("answers wrong or missing credentials with CleverTap's 401 body", async () => {
    const res = await getProfile('?identity=u1', { accountId: 'ACC-A', passcode: 'wrong' });
    expect(res).toEqual({ status: 401, body: { status: 'fail', error: 'Invalid Credentials', code: 401 } });
    expect((await fetch(`${emu.url}/1/profile.json?identity=u1`)).status).toBe(401);
  });

  it('answers 400 without an identifier parameter', async () => {
    const res = await getProfile('?identity=');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'fail', code: 400 });
  });

  it('does not count profile reads as uploads', async () => {
    await getProfile('?identity=u1');
    expect(emu.stats().requests).toBe(0);
  });
});
