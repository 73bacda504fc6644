import { validateSettings, type CredentialFlags, type SettingsResult } from './validate-settings.js';

/**
 * `PUT …/integrations/clevertap`: the body replaces the settings; omitted fields take their
 * defaults, an omitted passcode keeps the stored one (the result's `passcode` is then
 * undefined and the caller leaves the stored one alone). Every invalid field is reported.
 */
export function applyPut(input: unknown, flags: CredentialFlags = {}): SettingsResult {
  return validateSettings(input, flags);
}
