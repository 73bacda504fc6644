import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { applyMergePatch, applyPut, toSettingsOut, type IntegrationSettings, type IntegrationSettingsOut } from './index.js';
import type { AccountsRepo } from '../store/repos/accounts-repo.js';
import type { Repos } from '../store/store.js';
import { accountKeyOf } from '../clevertap/account-key.js';
import { loadIntegration, type LoadedIntegration } from './load-integration.js';

/** How a save treats the body: `put` replaces (omitted fields → defaults), `patch` merges (RFC 7396). */
export type SaveMode = 'put' | 'patch';

function toOut(integration: Pick<LoadedIntegration, 'settings' | 'passcodeEnc' | 'sandboxPasscodeEnc'>): IntegrationSettingsOut {
  return toSettingsOut(integration.settings, {
    passcodeSet: integration.passcodeEnc !== null,
    sandboxPasscodeSet: integration.sandboxPasscodeEnc !== null,
  });
}

async function requireAppIn(repos: Repos, appId: string): Promise<void> {
  if (!(await repos.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
}

/** `GET …/integrations/clevertap`: the settings (defaults when never saved), never a passcode. */
export async function getIntegrationSettings(ctx: AppContext, appId: string): Promise<IntegrationSettingsOut> {
  await requireAppIn(ctx.store, appId);
  return toOut(await loadIntegration(ctx.store, appId));
}

/**
 * `PUT` / `PATCH …/integrations/clevertap`: validates the whole body in one pass (422 listing
 * every invalid field), encrypts a given passcode (an omitted one keeps the stored one), saves,
 * and — when an account's credentials changed — clears that account's `auth_failed` pause so
 * delivery resumes with the new credentials. All in one transaction.
 */
export async function saveIntegrationSettings(ctx: AppContext, appId: string, body: unknown, mode: SaveMode): Promise<IntegrationSettingsOut> {
  const saved = await ctx.store.transaction(async (tx) => {
    await requireAppIn(tx, appId);
    // Two concurrent PATCHes must not both merge into the same old settings.
    await tx.apps.lockForUpdate(appId);
    const current = await loadIntegration(tx, appId);
    const flags = { hasStoredPasscode: current.passcodeEnc !== null, hasStoredSandboxPasscode: current.sandboxPasscodeEnc !== null };
    const result = mode === 'put' ? applyPut(body, flags) : applyMergePatch(current.settings, body, flags);
    if (!result.ok) {
      throw new AppError('validation_failed', 'The integration settings are not valid: see details.', result.details);
    }
    const next = {
      settings: result.settings,
      passcodeEnc: result.passcode !== undefined ? ctx.secrets.encrypt(result.passcode) : current.passcodeEnc,
      sandboxPasscodeEnc: result.sandboxPasscode !== undefined ? ctx.secrets.encrypt(result.sandboxPasscode) : current.sandboxPasscodeEnc,
    };
    const now = ctx.clock.now();
    await tx.integrations.upsert({ appId, ...next, updatedAt: now });
    const resumed = await resumeChangedAccounts(tx.accounts, current.settings, result, now);
    return { next, resumed };
  });
  // New credentials (or a new account) may let waiting records go: delivery looks at once.
  ctx.store.delivery.wake('accounts');
  ctx.logger.info({ appId, enabled: saved.next.settings.enabled, region: saved.next.settings.region, resumedAccounts: saved.resumed }, 'integration settings saved');
  return toOut(saved.next);
}

/**
 * Clears `auth_failed` for each account whose credentials this save changed (region, account
 * ID, or a passcode given). Returns the account keys that were paused and now are not.
 */
async function resumeChangedAccounts(
  accounts: AccountsRepo,
  before: IntegrationSettings,
  after: { settings: IntegrationSettings; passcode?: string; sandboxPasscode?: string },
  now: number,
): Promise<string[]> {
  const changed: string[] = [];
  const { settings } = after;
  if (settings.accountId !== '' && (after.passcode !== undefined || settings.region !== before.region || settings.accountId !== before.accountId)) {
    changed.push(accountKeyOf(settings.region, settings.accountId));
  }
  const sb = settings.sandboxAccount;
  if (sb.accountId !== '' && (after.sandboxPasscode !== undefined || sb.region !== before.sandboxAccount.region || sb.accountId !== before.sandboxAccount.accountId)) {
    changed.push(accountKeyOf(sb.region, sb.accountId));
  }
  const resumed: string[] = [];
  for (const key of changed) {
    if (await accounts.resumeWithNewCredentials(key, now)) resumed.push(key);
  }
  return resumed;
}
