/**
 * The Get User Profile and Delete User Profile client against the emulator over real HTTP, and
 * the upload client's dry run; plus how answers the emulator never gives are read (a tiny
 * stand-in server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProfileClient, MAX_DELETE_VALUES, type ProfileClient } from '../../src/clevertap/profile-client.js';
import type { CleverTapAccount } from '../../src/clevertap/types.js';
import { createUploadClient, type UploadClient } from '../../src/clevertap/upload-client.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';

const ts = 1_700_000_000;
const account: CleverTapAccount = { region: 'eu1', accountId: 'PROFILE-ACC', passcode: 'profile-secret' };
const inIndia: CleverTapAccount = { region: 'in1', accountId: 'PROFILE-IN', passcode: 'in-secret' };

let emulator: ClevertapEmulator;
let profiles: ProfileClient;
let uploads: UploadClient;

beforeAll(async () => {
  emulator = await startClevertapEmulator({ accounts: [account, inIndia] });
  profiles = createProfileClient({ timeoutMs: 2_000, baseUrlOverride: `${emulator.url}/{region}` });
  uploads = createUploadClient({ timeoutMs: 2_000, baseUrlOverride: `${emulator.url}/{region}` });
});
afterAll(async () => {
  await profiles.close();
  await uploads.close();
  await emulator.close();
});
afterEach(() => {
  emulator.setFaults({ all401: false });
  emulator.clear();
});

describe('Get User Profile', () => {
  it('finds a profile by identity and by objectId, with its profileData', async () => {
    await uploads.upload(account, [
      { type: 'profile', identity: 'u1', ts, profileData: { Plan: 'monthly', Renews: '$D_1700000000' } },
      { type: 'profile', objectId: '__g42', ts, profileData: { Plan: 'yearly' } },
    ]);
    const byIdentity = await profiles.getProfile(account, { identity: 'u1' });
    expect(byIdentity).toMatchObject({ kind: 'found', httpStatus: 200, profileData: { Plan: 'monthly', Renews: '$D_1700000000' } });
    expect(await profiles.getProfile(account, { objectId: '__g42' })).toMatchObject({ kind: 'found', profileData: { Plan: 'yearly' } });
  });

  it('says not_found for an unknown user, auth_failed for refused credentials, error when CleverTap cannot be reached', async () => {
    expect((await profiles.getProfile(account, { identity: 'nobody' })).kind).toBe('not_found');
    emulator.setFaults({ all401: true });
    const refused = await profiles.getProfile(account, { identity: 'u1' });
    expect(refused).toMatchObject({ kind: 'auth_failed', httpStatus: 401 });
    expect(refused.kind === 'auth_failed' && refused.message).toMatch(/refused the account ID and passcode for region eu1/);
    emulator.setFaults({ all401: false });
    // The account is registered for in1: the eu1 path refuses it like a wrong region would.
    expect((await profiles.getProfile({ ...inIndia, region: 'eu1' }, { identity: 'u1' })).kind).toBe('auth_failed');

    const unreachable = createProfileClient({ timeoutMs: 500, baseUrlOverride: 'http://127.0.0.1:9' });
    try {
      const answer = await unreachable.getProfile(account, { identity: 'u1' });
      expect(answer).toMatchObject({ kind: 'error', httpStatus: null });
      expect(answer.kind === 'error' && answer.message).toMatch(/Could not reach CleverTap/);
    } finally {
      await unreachable.close();
    }
  });
});

describe('Delete User Profile', () => {
  it('deletes by identity and by guid (CleverTap ID) in the account’s region', async () => {
    await uploads.upload(inIndia, [
      { type: 'profile', identity: 'u1', ts, profileData: { Plan: 'a' } },
      { type: 'profile', objectId: '__g7', ts, profileData: { Plan: 'b' } },
      { type: 'profile', identity: 'kept', ts, profileData: { Plan: 'c' } },
    ]);
    expect(await profiles.deleteProfiles(inIndia, { identity: ['u1'] })).toMatchObject({ kind: 'deleted', httpStatus: 200 });
    expect(await profiles.deleteProfiles(inIndia, { guid: ['__g7'] })).toMatchObject({ kind: 'deleted' });
    expect(emulator.profiles().map((p) => p.identifier)).toEqual([{ identity: 'kept' }]);
  });

  it('reports refused credentials, and never sends more values than CleverTap takes', async () => {
    emulator.setFaults({ all401: true });
    expect(await profiles.deleteProfiles(account, { identity: ['u1'] })).toMatchObject({ kind: 'auth_failed', httpStatus: 401 });
    await expect(profiles.deleteProfiles(account, { identity: Array.from({ length: MAX_DELETE_VALUES + 1 }, (_, i) => `u${i}`) })).rejects.toThrow(RangeError);
    await expect(profiles.deleteProfiles(account, { guid: [] })).rejects.toThrow(RangeError);
  });
});

describe('answers the emulator never gives', () => {
  let server: Server;
  let reply: { status: number; body: string };
  let client: ProfileClient;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = createProfileClient({ timeoutMs: 2_000, baseUrlOverride: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads a fail answer that says the user is unknown as not_found, other fails and 5xx as errors', async () => {
    reply = { status: 200, body: '{"status":"fail","error":"User not found","code":404}' };
    expect((await client.getProfile(account, { identity: 'x' })).kind).toBe('not_found');
    reply = { status: 200, body: '{"status":"success"}' };
    expect((await client.getProfile(account, { identity: 'x' })).kind).toBe('not_found');
    reply = { status: 200, body: '{"status":"fail","error":"Quota exceeded","code":429}' };
    expect(await client.getProfile(account, { identity: 'x' })).toMatchObject({ kind: 'error', message: expect.stringContaining('Quota exceeded') });
    reply = { status: 503, body: 'busy' };
    expect(await client.getProfile(account, { identity: 'x' })).toMatchObject({ kind: 'error', httpStatus: 503 });
    reply = { status: 200, body: '{"status":"fail","error":"Invalid identity"}' };
    expect(await client.deleteProfiles(account, { identity: ['x'] })).toMatchObject({ kind: 'error', httpStatus: 200, message: expect.stringContaining('Invalid identity') });
  });
});

describe('upload dry run', () => {
  it('sends dryRun=1: CleverTap answers for the records and stores none', async () => {
    const outcome = await uploads.upload(account, [{ type: 'event', identity: 'pcbridge-dry-run', ts, evtName: 'Subscription Started', evtData: { plan: 'monthly' } }], {
      dryRun: true,
    });
    expect(outcome).toMatchObject({ kind: 'success', processed: 1 });
    expect(emulator.records()).toEqual([]);
    expect(emulator.stats().requests).toBe(1);
  });
});
