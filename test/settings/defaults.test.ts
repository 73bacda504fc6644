import { describe, expect, it } from 'vitest';
import { defaultIntegrationSettings, withIntegrationDefaults } from '../../src/settings/defaults.js';
import { applyPut } from '../../src/settings/apply-put.js';
import { loadIntegration } from '../../src/settings/load-integration.js';
import { readIntegrationSettings } from '../../src/processing/integration-settings.js';
import type { IntegrationSettings } from '../../src/settings/schema.js';

describe('defaultIntegrationSettings', () => {
  const defaults = defaultIntegrationSettings();

  it('matches SPEC §3: disabled, eu1, skip sandbox events, auto identity held 24h, no Charged event', () => {
    expect({ ...defaults, events: undefined, userProperties: undefined }).toStrictEqual({
      enabled: false,
      region: 'eu1',
      accountId: '',
      sandbox: 'skip',
      sandboxAccount: { region: 'eu1', accountId: '' },
      events: undefined,
      userProperties: undefined,
      identity: { mode: 'auto', holdFor: '24h' },
      revenue: { chargedEvent: false, currency: 'integration' },
    });
  });

  it('lists all 45 catalogue events, disabled, under their Purchasely names', () => {
    expect(Object.keys(defaults.events)).toHaveLength(45);
    expect(defaults.events['SUBSCRIPTION_STARTED']).toStrictEqual({ enabled: false, name: 'SUBSCRIPTION_STARTED' });
    expect(defaults.events['TRANSACTION_PROCESSED']).toStrictEqual({ enabled: false, name: 'TRANSACTION_PROCESSED' });
    expect(Object.values(defaults.events).some((e) => e.enabled)).toBe(false);
  });

  it('lists the user properties, disabled, under their Purchasely names', () => {
    expect(defaults.userProperties['subscription_status']).toStrictEqual({ enabled: false, name: 'subscription_status' });
    expect(defaults.userProperties['has_active_subscription']).toStrictEqual({ enabled: false, name: 'has_active_subscription' });
    expect(Object.values(defaults.userProperties).some((e) => e.enabled)).toBe(false);
  });

  it('is what an empty PUT stores', () => {
    expect(applyPut({})).toStrictEqual({ ok: true, settings: defaults });
  });

  it('returns a fresh object each time', () => {
    const a = defaultIntegrationSettings();
    a.events['ACTIVATE']!.enabled = true;
    expect(defaultIntegrationSettings().events['ACTIVATE']!.enabled).toBe(false);
  });
});

describe('withIntegrationDefaults', () => {
  /** A form saved before the catalogue grew: two events, one property, no identity or revenue. */
  const older = {
    enabled: true,
    region: 'us1',
    accountId: 'ACC',
    sandbox: 'skip',
    sandboxAccount: { region: 'eu1', accountId: '' },
    events: { SUBSCRIPTION_STARTED: { enabled: true, name: 'Subscription Started' }, ACTIVATE: { enabled: false, name: 'ACTIVATE' } },
    userProperties: { subscription_status: { enabled: true, name: 'Subscription Status' } },
  } as Partial<IntegrationSettings>;

  it('keeps the stored entries and adds every other catalogue entry, disabled, in catalogue order', () => {
    const filled = withIntegrationDefaults(older);
    const defaults = defaultIntegrationSettings();
    expect(Object.keys(filled.events)).toStrictEqual(Object.keys(defaults.events));
    expect(Object.keys(filled.userProperties)).toStrictEqual(Object.keys(defaults.userProperties));
    expect(filled.events['SUBSCRIPTION_STARTED']).toStrictEqual({ enabled: true, name: 'Subscription Started' });
    expect(filled.events['TRANSACTION_PROCESSED']).toStrictEqual({ enabled: false, name: 'TRANSACTION_PROCESSED' });
    expect(filled.userProperties['subscription_status']).toStrictEqual({ enabled: true, name: 'Subscription Status' });
    expect(filled.userProperties['has_active_subscription']).toStrictEqual({ enabled: false, name: 'has_active_subscription' });
    expect(Object.values(filled.events).filter((e) => e.enabled)).toHaveLength(1);
  });

  it('gives missing members their defaults and keeps the stored ones', () => {
    const filled = withIntegrationDefaults(older);
    expect(filled.identity).toStrictEqual({ mode: 'auto', holdFor: '24h' });
    expect(filled.revenue).toStrictEqual({ chargedEvent: false, currency: 'integration' });
    expect([filled.enabled, filled.region, filled.accountId]).toStrictEqual([true, 'us1', 'ACC']);
  });

  it('is how both the API loader and processing complete a stored form', async () => {
    const repos = {
      integrations: {
        get: async (appId: string) => ({ appId, settings: structuredClone(older) as IntegrationSettings, passcodeEnc: null, sandboxPasscodeEnc: null, updatedAt: 0 }),
        upsert: async () => {},
      },
    };
    const loaded = await loadIntegration(repos, 'app_1');
    expect(loaded.settings).toStrictEqual(withIntegrationDefaults(older));
    expect(readIntegrationSettings(JSON.stringify(older))).toStrictEqual(loaded.settings);
  });

  it('leaves the stored form untouched', () => {
    const copy = structuredClone(older);
    withIntegrationDefaults(older).events['ACTIVATE']!.enabled = true;
    expect(older).toStrictEqual(copy);
  });
});
