import { describe, expect, it } from 'vitest';
import { applyPut } from '../../src/settings/apply-put.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import { disableAll, enableAll } from '../../src/settings/enable-all.js';

describe('enableAll / disableAll', () => {
  const base = {
    ...defaultIntegrationSettings(),
    events: {
      ...defaultIntegrationSettings().events,
      ACTIVATE: { enabled: false, name: 'Access Granted' },
      SUBSCRIPTION_TELEPORTED: { enabled: false, name: 'SUBSCRIPTION_TELEPORTED' },
    },
  };

  it('switches on every catalogue event and configured extra, keeping renames', () => {
    const all = enableAll(base, 'events');
    expect(Object.values(all.events).every((e) => e.enabled)).toBe(true);
    expect(Object.keys(all.events)).toHaveLength(46);
    expect(all.events['ACTIVATE']).toStrictEqual({ enabled: true, name: 'Access Granted' });
    expect(all.events['SUBSCRIPTION_TELEPORTED']).toStrictEqual({ enabled: true, name: 'SUBSCRIPTION_TELEPORTED' });
    expect(all.userProperties).toBe(base.userProperties);
    expect(base.events['ACTIVATE']?.enabled).toBe(false); // the input is not modified
  });

  it('gives settings that pass validation with the default names', () => {
    const all = enableAll(enableAll(defaultIntegrationSettings(), 'events'), 'userProperties');
    expect(applyPut(all)).toStrictEqual({ ok: true, settings: all });
  });

  it('switches every entry off again, keeping the names', () => {
    const none = disableAll(enableAll(base, 'userProperties'), 'userProperties');
    expect(Object.values(none.userProperties).some((p) => p.enabled)).toBe(false);
    expect(Object.keys(none.userProperties)).toEqual(Object.keys(base.userProperties));
  });
});
