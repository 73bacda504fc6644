import type { IntegrationSettings, MappingEntry } from '../../src/settings/schema.js';

/** Enabled integration with nothing selected; tests switch on what they need. */
export function settingsWith(overrides: Partial<IntegrationSettings> = {}): IntegrationSettings {
  return {
    enabled: true,
    region: 'eu1',
    accountId: 'W9R-486-4W5Z',
    sandbox: 'same_account',
    sandboxAccount: { region: 'eu1', accountId: '' },
    events: {},
    userProperties: {},
    identity: { mode: 'auto', holdFor: '24h' },
    revenue: { chargedEvent: false, currency: 'integration' },
    ...overrides,
  };
}

/** `{KEY: {enabled: true, name}}` entries; the name defaults to the key. */
export function on(...entries: (string | [string, string])[]): Record<string, MappingEntry> {
  const out: Record<string, MappingEntry> = {};
  for (const e of entries) {
    const [key, name] = typeof e === 'string' ? [e, e] : e;
    out[key] = { enabled: true, name };
  }
  return out;
}
