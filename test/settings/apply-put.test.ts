import { describe, expect, it } from 'vitest';
import { applyPut } from '../../src/settings/apply-put.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import type { SettingsResult } from '../../src/settings/validate-settings.js';

function detailsOf(result: SettingsResult): { path: string; message: string }[] {
  if (result.ok) throw new Error('expected the settings to be refused');
  return result.details;
}

function pathsOf(result: SettingsResult): string[] {
  return detailsOf(result).map((d) => d.path);
}

function settingsOf(result: SettingsResult) {
  if (!result.ok) throw new Error(`expected the settings to be accepted: ${JSON.stringify(result.details)}`);
  return result.settings;
}

const renameEvent = (key: string, name: string) => applyPut({ events: { [key]: { enabled: true, name } } });
const renameProperty = (key: string, name: string) => applyPut({ userProperties: { [key]: { enabled: true, name } } });

describe('applyPut: CleverTap naming rules on enabled events', () => {
  it.each([
    ['a forbidden character', 'Sub.Started', '"."'],
    ['a "$"', 'Price $', '"$"'],
    ['a reserved system event', 'App Launched', 'system event'],
    ['a reserved system event in other case and spacing', 'applaunched', 'system event'],
    ['121 characters', 'a'.repeat(121), '120'],
  ])('refuses a rename with %s, naming the field', (_label, name, hint) => {
    const details = detailsOf(renameEvent('SUBSCRIPTION_STARTED', name));
    expect(details).toHaveLength(1);
    expect(details[0]?.path).toBe('/events/SUBSCRIPTION_STARTED/name');
    expect(details[0]?.message).toContain(hint);
  });

  it('accepts a name of exactly 120 characters', () => {
    expect(settingsOf(renameEvent('SUBSCRIPTION_STARTED', 'a'.repeat(120))).events['SUBSCRIPTION_STARTED']).toStrictEqual({
      enabled: true,
      name: 'a'.repeat(120),
    });
  });

  it('does not check the names of disabled events', () => {
    const result = applyPut({ events: { SUBSCRIPTION_STARTED: { enabled: false, name: 'App Launched.' } } });
    expect(settingsOf(result).events['SUBSCRIPTION_STARTED']).toStrictEqual({ enabled: false, name: 'App Launched.' });
  });

  it('refuses two enabled events whose names differ only by case and spaces, reporting both', () => {
    const result = applyPut({
      events: {
        ACTIVATE: { enabled: true, name: 'Sub Started' },
        SUBSCRIPTION_STARTED: { enabled: true, name: 'substarted' },
      },
    });
    expect(pathsOf(result).sort()).toEqual(['/events/ACTIVATE/name', '/events/SUBSCRIPTION_STARTED/name']);
    expect(detailsOf(result)[0]?.message).toMatch(/case and spaces/);
  });

  it("refuses a rename onto another enabled event's default name", () => {
    const result = applyPut({
      events: { ACTIVATE: { enabled: true, name: 'Subscription_Started' }, SUBSCRIPTION_STARTED: { enabled: true } },
    });
    expect(pathsOf(result).sort()).toEqual(['/events/ACTIVATE/name', '/events/SUBSCRIPTION_STARTED/name']);
  });

  it('lets a disabled event keep a name an enabled one uses', () => {
    const result = applyPut({
      events: { ACTIVATE: { enabled: true, name: 'Started' }, SUBSCRIPTION_STARTED: { enabled: false, name: 'Started' } },
    });
    expect(result.ok).toBe(true);
  });

  it('refuses an event named Charged only while the Charged event is on', () => {
    const events = { TRANSACTION_PROCESSED: { enabled: true, name: 'charged' } };
    expect(pathsOf(applyPut({ events, revenue: { chargedEvent: true } }))).toEqual(['/events/TRANSACTION_PROCESSED/name']);
    expect(applyPut({ events, revenue: { chargedEvent: false } }).ok).toBe(true);
  });
});

describe('applyPut: user property names', () => {
  it.each([
    ['a standard profile key', 'Email'],
    ['a standard profile key in other case and spacing', 'customertype'],
    ['a "#", forbidden in profile keys', 'Plan #1'],
    ['121 characters', 'p'.repeat(121)],
  ])('refuses a rename to %s, naming the field', (_label, name) => {
    expect(pathsOf(renameProperty('subscription_status', name))).toEqual(['/userProperties/subscription_status/name']);
  });

  it('refuses two enabled properties on the same name, compared case- and space-insensitively', () => {
    const result = applyPut({
      userProperties: { plan: { enabled: true, name: 'Plan Name' }, product: { enabled: true, name: 'planname' } },
    });
    expect(pathsOf(result).sort()).toEqual(['/userProperties/plan/name', '/userProperties/product/name']);
  });

  it('refuses a property the bridge does not compute', () => {
    expect(pathsOf(applyPut({ userProperties: { favourite_colour: { enabled: true } } }))).toEqual(['/userProperties/favourite_colour']);
  });
});

describe('applyPut: event keys', () => {
  it('accepts a well-formed event name Purchasely may add later', () => {
    const result = applyPut({ events: { SUBSCRIPTION_TELEPORTED: { enabled: true } } });
    expect(settingsOf(result).events['SUBSCRIPTION_TELEPORTED']).toStrictEqual({ enabled: true, name: 'SUBSCRIPTION_TELEPORTED' });
  });

  it.each(['subscription_started', 'Subscription Started', 'SUB__STARTED', '_ACTIVATE'])('refuses %j as an event key', (key) => {
    expect(pathsOf(applyPut({ events: { [key]: { enabled: true } } }))).toEqual([`/events/${key}`]);
  });

  it('escapes "/" and "~" in paths as JSON pointers do', () => {
    expect(pathsOf(applyPut({ events: { 'A/B~C': { enabled: true } } }))).toEqual(['/events/A~1B~0C']);
  });
});

describe('applyPut: defaults and shapes', () => {
  it('fills omitted fields with defaults and names with the Purchasely name', () => {
    const settings = settingsOf(
      applyPut({
        region: 'us1',
        events: { ACTIVATE: { enabled: true }, DEACTIVATE: { enabled: true, name: '' }, TRIAL_STARTED: { enabled: true, name: null } },
        identity: { holdFor: '30m' },
      }),
    );
    const defaults = defaultIntegrationSettings();
    expect(settings.region).toBe('us1');
    expect(settings.enabled).toBe(false);
    expect(settings.identity).toStrictEqual({ mode: 'auto', holdFor: '30m' });
    expect(settings.revenue).toStrictEqual(defaults.revenue);
    expect(settings.events['ACTIVATE']).toStrictEqual({ enabled: true, name: 'ACTIVATE' });
    expect(settings.events['DEACTIVATE']).toStrictEqual({ enabled: true, name: 'DEACTIVATE' });
    expect(settings.events['TRIAL_STARTED']).toStrictEqual({ enabled: true, name: 'TRIAL_STARTED' });
    expect(settings.events['SUBSCRIPTION_STARTED']).toStrictEqual({ enabled: false, name: 'SUBSCRIPTION_STARTED' });
    expect(Object.keys(settings.events)).toHaveLength(45);
  });

  it('reports every invalid field at once', () => {
    const result = applyPut({
      enabled: 'yes',
      region: 'eu2',
      accountId: 'W9R 486',
      sandbox: 'maybe',
      events: { ACTIVATE: { enabled: true, name: 'Act|vate' }, not_an_event: { enabled: true } },
      userProperties: { plan: { enabled: true, name: 'Phone' }, colour: {} },
      identity: { mode: 'email', holdFor: '1 day' },
      revenue: { chargedEvent: 1, currency: 'usd' },
      extra: true,
    });
    expect(pathsOf(result).sort()).toEqual(
      [
        '/enabled',
        '/region',
        '/accountId',
        '/sandbox',
        '/events/ACTIVATE/name',
        '/events/not_an_event',
        '/userProperties/plan/name',
        '/userProperties/colour',
        '/identity/mode',
        '/identity/holdFor',
        '/revenue/chargedEvent',
        '/revenue/currency',
        '/extra',
      ].sort(),
    );
    for (const detail of detailsOf(result)) expect(detail.message.length).toBeGreaterThan(10);
  });

  it('explains the allowed values of an enumeration', () => {
    const [detail] = detailsOf(applyPut({ region: 'eu2' }));
    expect(detail?.message).toContain('"eu1"');
    expect(detail?.message).toContain('"sk1"');
  });

  it.each([null, [], 'settings', 3])('refuses a body that is not an object (%j)', (body) => {
    expect(detailsOf(applyPut(body))).toEqual([{ path: '', message: expect.stringContaining('JSON object') }]);
  });

  it('refuses a holdFor beyond 30 days', () => {
    expect(pathsOf(applyPut({ identity: { holdFor: '31d' } }))).toEqual(['/identity/holdFor']);
    expect(applyPut({ identity: { holdFor: '30d' } }).ok).toBe(true);
  });

  it('accepts the read-only passcodeSet flags of a GET answer and ignores them', () => {
    const result = applyPut({ passcodeSet: true, sandboxAccount: { region: 'in1', accountId: 'SBX-1', passcodeSet: false } });
    expect(settingsOf(result).sandboxAccount).toStrictEqual({ region: 'in1', accountId: 'SBX-1' });
    expect(settingsOf(result)).not.toHaveProperty('passcodeSet');
  });
});

describe('applyPut: credentials', () => {
  it('returns given passcodes apart from the settings, which never hold them', () => {
    const result = applyPut({ accountId: 'W9R-486-4W5Z', passcode: 'AAA-BBB-CCCC', sandboxAccount: { passcode: 'SBX-PASS' } });
    expect(result.ok && result.passcode).toBe('AAA-BBB-CCCC');
    expect(result.ok && result.sandboxPasscode).toBe('SBX-PASS');
    expect(JSON.stringify(settingsOf(result))).not.toContain('AAA-BBB-CCCC');
    expect(JSON.stringify(settingsOf(result))).not.toContain('SBX-PASS');
  });

  it('leaves passcodes undefined when omitted, so the stored ones are kept', () => {
    const result = applyPut({ accountId: 'W9R-486-4W5Z' });
    expect(result).toStrictEqual({ ok: true, settings: expect.any(Object) });
  });

  it('refuses an empty passcode or one with spaces', () => {
    expect(pathsOf(applyPut({ passcode: '' }))).toEqual(['/passcode']);
    expect(pathsOf(applyPut({ passcode: 'abc def' }))).toEqual(['/passcode']);
  });

  it('needs an account ID to enable the integration', () => {
    expect(pathsOf(applyPut({ enabled: true }))).toEqual(['/accountId']);
    expect(applyPut({ enabled: true, accountId: 'W9R-486-4W5Z' }).ok).toBe(true);
  });

  it('needs a passcode, given or stored, to enable the integration when the caller says what is stored', () => {
    const body = { enabled: true, accountId: 'W9R-486-4W5Z' };
    expect(pathsOf(applyPut(body, { hasStoredPasscode: false }))).toEqual(['/passcode']);
    expect(applyPut(body, { hasStoredPasscode: true }).ok).toBe(true);
    expect(applyPut({ ...body, passcode: 'P' }, { hasStoredPasscode: false }).ok).toBe(true);
  });

  it('needs the sandbox account ID (and, when enabled, its passcode) for sandbox_account', () => {
    expect(pathsOf(applyPut({ sandbox: 'sandbox_account' }))).toEqual(['/sandboxAccount/accountId']);
    const body = { enabled: true, accountId: 'A', sandbox: 'sandbox_account', sandboxAccount: { region: 'us1', accountId: 'S' } };
    expect(pathsOf(applyPut(body, { hasStoredPasscode: true, hasStoredSandboxPasscode: false }))).toEqual(['/sandboxAccount/passcode']);
    const ok = applyPut(body, { hasStoredPasscode: true, hasStoredSandboxPasscode: true });
    expect(settingsOf(ok).sandboxAccount).toStrictEqual({ region: 'us1', accountId: 'S' });
  });
});
