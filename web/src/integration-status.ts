import type { IntegrationSettingsOut } from './api.js';
import type { StatsAnswer } from './stats.js';

export type IntegrationStatus = 'disabled' | 'enabled' | 'auth_failed';

/**
 * The CleverTap tile's badge: `auth_failed` when the server says so (on the settings, or on
 * the account's health in the stats), else enabled / disabled.
 */
export function integrationStatus(settings: (IntegrationSettingsOut & Record<string, unknown>) | undefined, stats?: StatsAnswer): IntegrationStatus {
  if (!settings) return 'disabled';
  const own = [settings.status, settings.authState, settings.auth_state];
  if (own.includes('auth_failed')) return 'auth_failed';
  if (!settings.enabled) return 'disabled';
  const key = `${settings.region}:${settings.accountId}`;
  const accounts = stats?.accounts;
  const list = Array.isArray(accounts) ? accounts : accounts && typeof accounts === 'object' ? Object.entries(accounts).map(([k, v]) => ({ accountKey: k, ...(v as object) })) : [];
  for (const account of list as Record<string, unknown>[]) {
    const accountKey = account.accountKey ?? account.account_key ?? account.key ?? (account.region && account.accountId ? `${account.region}:${account.accountId}` : undefined);
    const state = account.authState ?? account.auth_state ?? account.state ?? account.health ?? account.status;
    if (accountKey === key && state === 'auth_failed') return 'auth_failed';
  }
  return 'enabled';
}
