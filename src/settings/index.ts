export * from './schema.js';
export { defaultIntegrationSettings, withIntegrationDefaults, defaultEntries, DEFAULT_HOLD_FOR } from './defaults.js';
export { parseDuration } from './duration.js';
export { validateSettings, pointerSegment, MAX_HOLD_FOR_MS, type SettingsIssue, type SettingsResult, type CredentialFlags } from './validate-settings.js';
export { applyPut } from './apply-put.js';
export { applyMergePatch } from './apply-merge-patch.js';
export { mergePatch } from './merge-patch.js';
export { enableAll, disableAll } from './enable-all.js';
export { toSettingsOut, type PasscodeFlags } from './settings-out.js';

/** Alias matching the brief's name for the outcome of applyPut / applyMergePatch. */
export type { SettingsResult as Result } from './validate-settings.js';
