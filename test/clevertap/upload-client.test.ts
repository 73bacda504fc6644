/**
 * The upload client against the emulator over real HTTP: every per-record code a record's
 * shape can trigger, and every whole-request outcome.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createUploadClient, MAX_RECORDS_PER_REQUEST, type UploadClient } from '../../src/clevertap/upload-client.js';
import type { CleverTapAccount, CleverTapRecord } from '../../src/clevertap/types.js';

const ts = 1_700_000_000;
const account: CleverTapAccount = { region: 'eu1', accountId: 'TEST-ACC-1', passcode: 'secret-1' };
const good: CleverTapRecord = { type: 'event', evtName: 'Subscription Started', evtData: { plan: 'monthly' }, ts, identity: 'user-1' };

let emulator: ClevertapEmulator;
let client: UploadClient;

beforeAll(async () => {
  emulator = await startClevertapEmulator({ accounts: [account], discardedEventNames: ['Old Event'] });
  client = createUploadClient({ timeoutMs: 2_000, baseUrlOverride: emulator.url });
});
afterAll(async () => {
  await client.close();
  await emulator.close();
});
afterEach(() => {
  emulator.setFaults({ errorRate: 0, throttleRate: 0, timeoutRate: 0, dropRate: 0, all401: false, mode: 'before', latencyMs: 0, maxConcurrency: 15 });
  emulator.clear();
});

const bad = (r: Record<string, unknown>): CleverTapRecord => r as unknown as CleverTapRecord;
const manyProps = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, i]));

// [code, a record that earns it] — triggers chosen from reference/clevertap.md's code list.
const cases: Array<[number, string, CleverTapRecord]> = [
  [509, 'an event without a name', bad({ type: 'event', evtName: '', evtData: {}, ts, identity: 'u' })],
  [512, 'an event whose evtData is not an object', bad({ type: 'event', evtName: 'X', evtData: 'oops', ts, identity: 'u' })],
  [512, 'an event name with a forbidden character (inferred)', bad({ type: 'event', evtName: 'Sub.Started', evtData: {}, ts, identity: 'u' })],
  [513, 'a reserved system event', { type: 'event', evtName: 'App Launched', evtData: {}, ts, identity: 'u' }],
  [522, 'an event with 101 properties', { type: 'event', evtName: 'Big', evtData: manyProps, ts, identity: 'u' }],
  [523, 'a record without any identifier', bad({ type: 'event', evtName: 'X', evtData: {}, ts })],
  [524, 'a record that is neither event nor profile', bad({ type: 'device', ts, identity: 'u' })],
  [525, 'a timestamp in milliseconds', { type: 'event', evtName: 'X', evtData: {}, ts: ts * 1000, identity: 'u' }],
  [526, 'an objectId with a space in it', { type: 'event', evtName: 'X', evtData: {}, ts, objectId: 'not an id' }],
  [528, 'an event discarded in the dashboard', { type: 'event', evtName: 'Old Event', evtData: {}, ts, identity: 'u' }],
  [514, 'a profile with an invalid Gender', { type: 'profile', profileData: { Gender: 'X' }, ts, identity: 'u' }],
  [515, 'a profile with an invalid Email', { type: 'profile', profileData: { Email: 'not-an-email' }, ts, identity: 'u' }],
  [516, 'a profile with a Phone missing the country code', { type: 'profile', profileData: { Phone: '0612345678' }, ts, identity: 'u' }],
  [517, 'a profile with an invalid Employed', { type: 'profile', profileData: { Employed: 'maybe' }, ts, identity: 'u' }],
  [518, 'a profile with an invalid Education', { type: 'profile', profileData: { Education: 'PhD' }, ts, identity: 'u' }],
  [519, 'a profile with an invalid Married', { type: 'profile', profileData: { Married: 'yes' }, ts, identity: 'u' }],
  [512, 'an event value of 257 two-byte characters, 514 bytes (inferred)', { type: 'event', evtName: 'X', evtData: { v: 'é'.repeat(257) }, ts, identity: 'u' }],
  [512, 'a profile key with # in it (inferred)', { type: 'profile', profileData: { 'plan#': 'monthly' }, ts, identity: 'u' }],
  [512, 'a profile key of 61 two-byte characters, 122 bytes (inferred)', { type: 'profile', profileData: { ['é'.repeat(61)]: 1 }, ts, identity: 'u' }],
  [512, 'an event name of 121 characters (inferred)', { type: 'event', evtName: 'e'.repeat(121), evtData: {}, ts, identity: 'u' }],
  [520, 'a profile with a negative Age', { type: 'profile', profileData: { Age: -3 }, ts, identity: 'u' }],
];

describe('per-record codes over HTTP', () => {
  it.each(cases)('classifies code %i (%s) as a failure of exactly that record', async (code, _what, record) => {
    const outcome = await client.upload(account, [good, record, { ...good, identity: 'user-2' }]);
    expect(outcome.kind).toBe('partial');
    if (outcome.kind !== 'partial') return;
    expect(outcome.httpStatus).toBe(200);
    expect(outcome.bodyStatus).toBe('partial');
    expect(outcome.processed).toBe(2);
    expect(outcome.failures).toHaveLength(1);
    expect(outcome.failures[0]).toMatchObject({ index: 1, code, retryable: false });
    expect(outcome.unmatched).toEqual([]);
    expect(emulator.records()).toHaveLength(2);
  });

  it('reports "fail" when every record of the request is refused', async () => {
    const outcome = await client.upload(account, [cases[0]![2]]);
    expect(outcome).toMatchObject({ kind: 'partial', bodyStatus: 'fail', processed: 0 });
  });

  it('accepts names and values right at the limits', async () => {
    const atLimits: CleverTapRecord[] = [
      { type: 'event', evtName: 'e'.repeat(120), evtData: { ['k'.repeat(120)]: 'é'.repeat(256), '#tag': 1 }, ts, identity: 'u' },
      { type: 'event', evtName: 'Y', evtData: { ['é'.repeat(120)]: '😀'.repeat(128) }, ts, identity: 'u' },
      { type: 'profile', profileData: { ['é'.repeat(60)]: 'a'.repeat(512) }, ts, identity: 'u' },
    ];
    expect(await client.upload(account, atLimits)).toMatchObject({ kind: 'success', processed: 3 });
  });

  it('accepts a valid profile with standard fields', async () => {
    const profile: CleverTapRecord = {
      type: 'profile',
      profileData: { Gender: 'F', Email: 'a@b.example', Phone: '+33612345678', Employed: 'Y', Education: 'Graduate', Married: 'N', Age: 34, subscription_status: 'AUTO_RENEWING' },
      ts,
      objectId: '__g5e0a1b2c3',
    };
    const outcome = await client.upload(account, [profile]);
    expect(outcome).toMatchObject({ kind: 'success', processed: 1, httpStatus: 200 });
    expect(emulator.records({ objectId: '__g5e0a1b2c3' })).toHaveLength(1);
  });
});

describe('whole-request outcomes over HTTP', () => {
  it('sends a successful batch and records latency and body', async () => {
    const outcome = await client.upload(account, [good]);
    expect(outcome).toMatchObject({ kind: 'success', processed: 1, httpStatus: 200 });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(outcome.responseBody)).toEqual({ status: 'success', processed: 1, unprocessed: [] });
    expect(emulator.records()[0]?.record).toEqual(good);
  });

  it('classifies a wrong passcode as auth_failed (401)', async () => {
    const outcome = await client.upload({ ...account, passcode: 'wrong' }, [good]);
    expect(outcome).toMatchObject({ kind: 'auth_failed', httpStatus: 401 });
    expect(JSON.parse(outcome.responseBody)).toEqual({ status: 'fail', error: 'Invalid Credentials', code: 401 });
  });

  it('classifies the everything-401 fault as auth_failed', async () => {
    emulator.setFaults({ all401: true });
    expect(await client.upload(account, [good])).toMatchObject({ kind: 'auth_failed', httpStatus: 401 });
  });

  it('classifies requests over the concurrency cap as throttled (429)', async () => {
    emulator.setFaults({ maxConcurrency: 2, latencyMs: 300 });
    const outcomes = await Promise.all([1, 2, 3].map(() => client.upload(account, [good])));
    const kinds = outcomes.map((o) => o.kind).sort();
    expect(kinds).toEqual(['success', 'success', 'throttled']);
    expect(outcomes.find((o) => o.kind === 'throttled')?.httpStatus).toBe(429);
    expect(emulator.stats().accounts[account.accountId]?.maxConcurrency).toBe(2);
  });

  it('classifies the 429 fault as throttled', async () => {
    emulator.setFaults({ throttleRate: 1 });
    expect(await client.upload(account, [good])).toMatchObject({ kind: 'throttled', httpStatus: 429 });
  });

  it('classifies a 5xx as retryable and stores nothing by default', async () => {
    emulator.setFaults({ errorRate: 1 });
    expect(await client.upload(account, [good])).toMatchObject({ kind: 'retryable', reason: 'server_error', httpStatus: 503 });
    expect(emulator.records()).toEqual([]);
  });

  it('classifies no answer within the timeout as a retryable timeout', async () => {
    emulator.setFaults({ timeoutRate: 1 });
    const quick = createUploadClient({ timeoutMs: 200, baseUrlOverride: emulator.url });
    try {
      const outcome = await quick.upload(account, [good]);
      expect(outcome).toMatchObject({ kind: 'retryable', reason: 'timeout', httpStatus: null, responseBody: '' });
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(190);
      expect(outcome.latencyMs).toBeLessThan(2_000);
    } finally {
      await quick.close();
    }
  });

  it('classifies a dropped connection as a retryable network error', async () => {
    emulator.setFaults({ dropRate: 1 });
    const outcome = await client.upload(account, [good]);
    expect(outcome).toMatchObject({ kind: 'retryable', reason: 'network_error', httpStatus: null });
    expect(emulator.stats().statusCounts['dropped']).toBe(1);
  });

  it('stores the records before failing in after-store mode, so a retry duplicates them', async () => {
    emulator.setFaults({ errorRate: 1, mode: 'after' });
    expect((await client.upload(account, [good])).kind).toBe('retryable');
    emulator.setFaults({ errorRate: 0 });
    expect((await client.upload(account, [good])).kind).toBe('success');
    expect(emulator.records({ identity: 'user-1' })).toHaveLength(2);
  });

  it('classifies an unreachable host as a retryable network error', async () => {
    const gone = await startClevertapEmulator();
    const url = gone.url;
    await gone.close();
    const c = createUploadClient({ timeoutMs: 1_000, baseUrlOverride: url });
    try {
      expect(await c.upload(account, [good])).toMatchObject({ kind: 'retryable', reason: 'network_error', httpStatus: null });
    } finally {
      await c.close();
    }
  });

  it('refuses to send more than 1000 records or 4 MiB in one request', async () => {
    const tooMany = Array.from({ length: MAX_RECORDS_PER_REQUEST + 1 }, () => good);
    await expect(client.upload(account, tooMany)).rejects.toThrow(RangeError);
    const huge = Array.from({ length: 1000 }, (_, i) => ({
      ...good,
      evtData: {
        a: 'x'.repeat(500),
        b: 'y'.repeat(500),
        c: 'z'.repeat(500),
        d: 'w'.repeat(500),
        e: 'v'.repeat(500),
        f: 'u'.repeat(500),
        g: 'q'.repeat(500),
        h: 'r'.repeat(500),
        i: 's'.repeat(500),
        n: i,
      },
    }));
    await expect(client.upload(account, huge)).rejects.toThrow(/bytes/);
    expect(emulator.stats().requests).toBe(0);
  });

  it('sends 1000 records in one request', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ ...good, identity: `user-${i}` }));
    expect(await client.upload(account, batch)).toMatchObject({ kind: 'success', processed: 1000 });
    expect(emulator.records()).toHaveLength(1000);
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const before = emulator.stats().connections;
    const fresh = createUploadClient({ timeoutMs: 2_000, baseUrlOverride: emulator.url });
    try {
      for (let i = 0; i < 5; i += 1) expect((await fresh.upload(account, [good])).kind).toBe('success');
    } finally {
      await fresh.close();
    }
    expect(emulator.stats().connections - before).toBe(1);
  });
});

describe('credential check', () => {
  it('accepts credentials the emulator knows', async () => {
    expect(await client.checkCredentials(account)).toMatchObject({ ok: true, httpStatus: 200 });
  });

  it('refuses a wrong passcode with a plain-English message', async () => {
    const check = await client.checkCredentials({ ...account, passcode: 'nope' });
    expect(check).toMatchObject({ ok: false, reason: 'auth_failed' });
    expect(check.ok === false && 'acceptedRegion' in check ? check.acceptedRegion : undefined).toBeUndefined();
    expect(check.message).toMatch(/passcode/);
  });

  it('names the region that accepts the credentials when the configured one refuses them', async () => {
    const regional = await startClevertapEmulator({ accounts: [{ ...account, region: 'sg1' }] });
    const c = createUploadClient({ timeoutMs: 2_000, baseUrlOverride: `${regional.url}/{region}` });
    try {
      const check = await c.checkCredentials({ ...account, region: 'eu1' });
      expect(check).toMatchObject({ ok: false, reason: 'auth_failed', acceptedRegion: 'sg1' });
      expect(check.message).toContain('sg1');
      expect(await c.checkCredentials({ ...account, region: 'sg1' })).toMatchObject({ ok: true });
    } finally {
      await c.close();
      await regional.close();
    }
  });

  it('sends an empty record list and stores nothing', async () => {
    await client.checkCredentials(account);
    expect(emulator.stats().statusCounts['200']).toBe(1);
    expect(emulator.records()).toEqual([]);
  });

  it('counts a server error as accepted credentials (SPEC §5: only 401/403 refuse)', async () => {
    emulator.setFaults({ errorRate: 1 });
    expect(await client.checkCredentials(account)).toMatchObject({ ok: true, httpStatus: 503 });
  });

  it('reports an unreachable CleverTap', async () => {
    const gone = await startClevertapEmulator();
    const url = gone.url;
    await gone.close();
    const c = createUploadClient({ timeoutMs: 1_000, baseUrlOverride: url });
    try {
      const check = await c.checkCredentials(account);
      expect(check).toMatchObject({ ok: false, reason: 'unreachable' });
      expect(check.message).toMatch(/could not be reached/);
    } finally {
      await c.close();
    }
  });
});
