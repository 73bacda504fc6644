import { mergePatch } from './merge-patch.js';
import type { IntegrationSettings } from './schema.js';
import { validateSettings, type CredentialFlags, type SettingsResult } from './validate-settings.js';

/**
 * `PATCH …/integrations/clevertap`: applies `patch` to `current` as an RFC 7396 JSON merge
 * patch, then validates the whole result in one pass, as `applyPut` does. A member set to
 * `null` goes back to its default (e.g. `{"events": {"ACTIVATE": null}}` resets that entry);
 * `passcode` / `sandboxAccount.passcode` in the patch are returned for the caller to store,
 * and an omitted one keeps the stored passcode.
 */
export function applyMergePatch(current: IntegrationSettings, patch: unknown, flags: CredentialFlags = {}): SettingsResult {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { ok: false, details: [{ path: '', message: 'A settings patch must be a JSON object.' }] };
  }
  return validateSettings(mergePatch(current, patch), flags);
}
