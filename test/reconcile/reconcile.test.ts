/**
 * `pcbridge reconcile` (issue 14), as a child process on both stores, against the emulator over
 * real HTTP: profiles changed in CleverTap behind pcbridge's back are found (exit 1, with the
 * counts and the properties that differ); `--fix` resends them, and with a delivery worker
 * running they become equal (exit 0); without one it gives up after `--wait` (exit 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { useTestApi } from '../helpers/api.js';
import { DIALECTS } from '../helpers/databases.js';
import { runCli, type CliResult } from '../helpers/processes.js';
import { createIntegratedApp, MAIN, postEvent, settle, subscriptionEvent, T0 } from '../preview/helpers.js';

/** The number on a summary line such as `  differing        1`. */
function count(out: string, label: string): number {
  const m = new RegExp(`^  ${label}\\s+(\\d+)`, 'm').exec(out);
  if (!m) throw new Error(`no "${label}" line in:\n${out}`);
  return Number(m[1]);
}

function counts(r: CliResult): Record<string, number> {
  return Object.fromEntries(['checked', 'equal', 'differing', 'missing in CleverTap', 'unaddressable', 'errors'].map((l) => [l, count(r.stdout, l)]));
}

describe.each(DIALECTS)('pcbridge reconcile (%s)', (dialect) => {
  let emu: ClevertapEmulator;
  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [MAIN] });
  });
  afterAll(async () => {
    await emu?.close();
  });
  const api = useTestApi(dialect, () => ({ env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } }));
  let appId: string;
  const cli = (args: string[], timeoutMs = 30_000) => runCli(['reconcile', ...args], { ...api.t.env, PCBRIDGE_CLEVERTAP_BASE_URL: emu.url }, timeoutMs);

  const ctUpload = async (path: string, body: unknown) => {
    const res = await fetch(`${emu.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-clevertap-account-id': MAIN.accountId, 'x-clevertap-passcode': MAIN.passcode },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  /** Changes user-1's and user-3's profiles and deletes user-2's, straight in the emulator. */
  const breakProfiles = async () => {
    await ctUpload('/1/upload', {
      d: [
        { type: 'profile', identity: 'user-1', ts: Math.floor(T0 / 1000) + 60, profileData: { 'Plan Name': 'yearly', has_active_subscription: false } },
        { type: 'profile', identity: 'user-3', ts: Math.floor(T0 / 1000) + 60, profileData: { 'Plan Name': 'weekly', 'Favourite Colour': 'green' } },
      ],
    });
    await ctUpload('/1/delete/profiles.json', { identity: ['user-2'] });
  };

  beforeAll(async () => {
    appId = await createIntegratedApp(api.app);
    for (const user of ['user-1', 'user-2', 'user-3']) await postEvent(api.app, appId, subscriptionEvent(`ev-start-${user}`, 'SUBSCRIPTION_STARTED', { userId: user }, T0));
    // Anonymous, no CleverTap ID: CleverTap cannot be asked about it.
    await postEvent(api.app, appId, subscriptionEvent('ev-start-anon', 'SUBSCRIPTION_STARTED', { userId: null, anonymousUserId: 'anon-1' }, T0));
    await settle(api.t.ctx);
  });

  it('finds nothing to do while CleverTap holds what pcbridge sent (exit 0)', async () => {
    const r = await cli(['--app', appId, '--all']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(counts(r)).toEqual({ checked: 4, equal: 3, differing: 0, 'missing in CleverTap': 0, unaddressable: 1, errors: 0 });
    expect(r.stdout).toContain('result: all compared profiles are equal');
  });

  it('finds profiles changed or deleted in CleverTap behind pcbridge’s back (exit 1), with the most frequent differing properties', async () => {
    await breakProfiles();

    const r = await cli(['--app', appId, '--all', '--rate', '50']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(counts(r)).toEqual({ checked: 4, equal: 0, differing: 2, 'missing in CleverTap': 1, unaddressable: 1, errors: 0 });
    expect(r.stdout).toMatch(/most frequent differing properties \(users\):\n {2}Plan Name\s+2\n {2}has_active_subscription\s+1/);
    expect(r.stdout).toContain('run with --fix');
    // Progress on stderr, the summary on stdout.
    expect(r.stderr).toMatch(/reconcile: 4 checked: 0 equal, 2 differing, 1 missing in CleverTap, 1 unaddressable, 0 errors/);
    // Nothing was changed by looking.
    expect(emu.profile(MAIN.accountId, { identity: 'user-1' })?.profileData).toMatchObject({ 'Plan Name': 'yearly' });

    const sample = await cli(['--app', appId, '--sample', '2']);
    expect(count(sample.stdout, 'checked')).toBe(2);
    expect(sample.stdout).toContain('a random sample of at most 2 users');
  });

  it('--fix without a running server resends, then gives up after --wait (exit 1) and says a server delivers them', async () => {
    const r = await cli(['--app', appId, '--all', '--fix', '--wait', '2s']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('fix: 3 profiles resent, 0 delivered, 0 now equal in CleverTap');
    expect(r.stdout).toMatch(/3 resent profiles were not delivered within 2 s: a running pcbridge server/);
    const queued = await api.t.ctx.store.db.all<{ state: string }>("SELECT state FROM records WHERE app_id = ? AND event_id = 'pcbridge:resend-profile'", [appId]);
    expect(queued.map((q) => q.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('--fix with a delivery worker running makes CleverTap equal again (exit 0)', async () => {
    // The profiles the previous run left queued go first; then CleverTap is changed again.
    await settle(api.t.ctx);
    await breakProfiles();
    const worker = createDeliveryWorker(api.t.ctx, { pollMs: 50, lingerMs: 5 });
    let r: CliResult;
    try {
      r = await cli(['--app', appId, '--all', '--fix', '--wait', '30s', '--rate', '50'], 60_000);
    } finally {
      await worker.stop();
    }
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(counts(r)).toMatchObject({ differing: 2, 'missing in CleverTap': 1 });
    expect(r.stdout).toContain('fix: 3 profiles resent, 3 delivered, 3 now equal in CleverTap');
    expect(r.stdout).toContain('result: all compared profiles are equal (after the fix)');
    expect(r.stderr).toMatch(/reconcile: fix: 3 of 3 resent profiles delivered/);
    const snapshot = { 'Plan Name': 'monthly', subscription_status: 'AUTO_RENEWING', has_active_subscription: true, store: 'APPLE_APP_STORE' };
    expect(emu.profile(MAIN.accountId, { identity: 'user-1' })?.profileData).toMatchObject(snapshot);
    expect(emu.profile(MAIN.accountId, { identity: 'user-2' })?.profileData).toMatchObject(snapshot);
    // CleverTap's own properties stay.
    expect(emu.profile(MAIN.accountId, { identity: 'user-3' })?.profileData).toMatchObject({ ...snapshot, 'Favourite Colour': 'green' });

    const again = await cli(['--app', appId, '--all']);
    expect(again.code, again.stdout).toBe(0);
    expect(counts(again)).toEqual({ checked: 4, equal: 3, differing: 0, 'missing in CleverTap': 0, unaddressable: 1, errors: 0 });
  });

  it('stops asking when CleverTap refuses the credentials (exit 1, the reason in one line)', async () => {
    emu.setFaults({ all401: true });
    try {
      const r = await cli(['--app', appId, '--all', '--rate', '50']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^stopped: CleverTap refused the account ID and passcode/m);
      expect(count(r.stdout, 'errors')).toBeGreaterThanOrEqual(1);
    } finally {
      emu.setFaults({ all401: false });
    }
  });

  it('a wrong argument is one line and exit 2; an app with no credentials saved is exit 1', async () => {
    const cases: [string[], RegExp][] = [
      [['--app', 'no-such-app'], /^pcbridge: reconcile: no app with id no-such-app/],
      [['--app', appId, '--sample', '0'], /--sample is a whole number/],
      [['--app', appId, '--sample', '5', '--all'], /--sample and --all cannot be combined/],
      [['--app', appId, '--rate', '0'], /--rate is a number/],
      [['--app', appId, '--wait', 'soon'], /--wait is a duration/],
      [[], /required option '--app <id>'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0], args.join(' ')).toMatch(message);
    }
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/apps',
      headers: { authorization: `Bearer ${api.t.env.PCBRIDGE_ADMIN_TOKEN}` },
      payload: { name: 'Bare', webhookSecret: 'x-secret' },
    });
    const bare = (created.json() as { id: string }).id;
    const r = await cli(['--app', bare]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^pcbridge: reconcile: No CleverTap account ID or passcode is saved for app/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
