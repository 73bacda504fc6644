import { describe, expect, it } from 'vitest';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import { applyPut } from '../../src/settings/apply-put.js';

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
