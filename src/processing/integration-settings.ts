import { defaultIntegrationSettings, parseDuration, withIntegrationDefaults, type IntegrationSettings } from '../settings/index.js';

/** How long a record waits for a CleverTap ID when the stored `holdFor` is unreadable. */
const FALLBACK_HOLD_FOR_MS = 24 * 3600_000;

/**
 * The settings processing applies for one app, from its `integrations.settings_json` (undefined
 * when the app never saved any: the defaults, integration off). Stored settings were validated
 * when saved; an older stored form is completed with the defaults as every reader completes it.
 */
export function readIntegrationSettings(settingsJson: string | undefined): IntegrationSettings {
  if (settingsJson === undefined) return defaultIntegrationSettings();
  try {
    return withIntegrationDefaults(JSON.parse(settingsJson) as Partial<IntegrationSettings>);
  } catch {
    return defaultIntegrationSettings();
  }
}

/** `identity.holdFor` in milliseconds. */
export function holdForMs(settings: IntegrationSettings): number {
  return parseDuration(settings.identity.holdFor) ?? FALLBACK_HOLD_FOR_MS;
}
