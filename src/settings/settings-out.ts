import type { IntegrationSettings, IntegrationSettingsOut } from './schema.js';

/** Whether passcodes are stored; the passcodes themselves never leave the store. */
export interface PasscodeFlags {
  passcodeSet: boolean;
  sandboxPasscodeSet: boolean;
}

/** The `GET …/integrations/clevertap` answer: the stored settings plus `passcodeSet` flags. */
export function toSettingsOut(settings: IntegrationSettings, flags: PasscodeFlags): IntegrationSettingsOut {
  return {
    ...settings,
    passcodeSet: flags.passcodeSet,
    sandboxAccount: { ...settings.sandboxAccount, passcodeSet: flags.sandboxPasscodeSet },
  };
}
