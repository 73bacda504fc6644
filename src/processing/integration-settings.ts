import { defaultIntegrationSettings, parseDuration, type IntegrationSettings } from '../settings/index.js';

/** How long a record waits for a CleverTap ID when the stored `holdFor` is unreadable. */
const FALLBACK_HOLD_FOR_MS = 24 * 3600_000;

/**
 * The settings processing applies for one app, from its `integrations.settings_json` (undefined
 * when the app never saved any: the defaults, integration off). Stored settings were validated
 * when saved; missing top-level members still take their defaults so an older stored form
 * keeps working.
 */
export function readIntegrationSettings(settingsJson: string | undefined): IntegrationSettings {
  const defaults = defaultIntegrationSettings();
  if (settingsJson === undefined) return defaults;
  try {
    const stored = JSON.parse(settingsJson) as Partial<IntegrationSettings>;
    return {
      ...defaults,
      ...stored,
      identity: { ...defaults.identity, ...stored.identity },
      revenue: { ...defaults.revenue, ...stored.revenue },
      sandboxAccount: { ...defaults.sandboxAccount, ...stored.sandboxAccount },
    };
  } catch {
    return defaults;
  }
}

/** `identity.holdFor` in milliseconds. */
export function holdForMs(settings: IntegrationSettings): number {
  return parseDuration(settings.identity.holdFor) ?? FALLBACK_HOLD_FOR_MS;
}
