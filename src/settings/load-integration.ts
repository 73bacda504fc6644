import type { CleverTapAccount } from '../clevertap/types.js';
import type { SecretBox } from '../secrets.js';
import { defaultIntegrationSettings, withIntegrationDefaults } from './defaults.js';
import type { IntegrationSettings } from './schema.js';
import type { Repos } from '../store/store.js';

/** An app's integration as the rest of the service reads it: defaults when never saved. */
export interface LoadedIntegration {
  settings: IntegrationSettings;
  passcodeEnc: string | null;
  sandboxPasscodeEnc: string | null;
  /** False when the app has no row yet (the settings are the defaults). */
  stored: boolean;
}

/**
 * Reads an app's integration, filling what an older stored form lacks: catalogue events and
 * properties added since it was saved appear disabled under their Purchasely name.
 */
export async function loadIntegration(repos: Pick<Repos, 'integrations'>, appId: string): Promise<LoadedIntegration> {
  const row = await repos.integrations.get(appId);
  if (!row) return { settings: defaultIntegrationSettings(), passcodeEnc: null, sandboxPasscodeEnc: null, stored: false };
  const settings = withIntegrationDefaults(row.settings);
  return { settings, passcodeEnc: row.passcodeEnc, sandboxPasscodeEnc: row.sandboxPasscodeEnc, stored: true };
}

/** The CleverTap accounts an integration sends to, with decrypted passcodes. */
export interface IntegrationAccounts {
  /** The production account; null while the account ID or passcode is missing. */
  main: CleverTapAccount | null;
  /** Where SANDBOX events go (per `sandbox`); null when they are skipped or it is incomplete. */
  sandbox: CleverTapAccount | null;
}

/**
 * Resolves the accounts of an integration for delivery. Passcodes are decrypted here and
 * must only ever travel to the upload client (never logged, never returned by the API).
 */
export function resolveIntegrationAccounts(secrets: SecretBox, integration: LoadedIntegration): IntegrationAccounts {
  const { settings } = integration;
  const main =
    settings.accountId !== '' && integration.passcodeEnc !== null
      ? { region: settings.region, accountId: settings.accountId, passcode: secrets.decrypt(integration.passcodeEnc) }
      : null;
  let sandbox: CleverTapAccount | null = null;
  if (settings.sandbox === 'same_account') sandbox = main;
  if (settings.sandbox === 'sandbox_account' && settings.sandboxAccount.accountId !== '' && integration.sandboxPasscodeEnc !== null) {
    sandbox = {
      region: settings.sandboxAccount.region,
      accountId: settings.sandboxAccount.accountId,
      passcode: secrets.decrypt(integration.sandboxPasscodeEnc),
    };
  }
  return { main, sandbox };
}
