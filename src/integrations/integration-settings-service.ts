import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import {
  applyMergePatch,
  applyPut,
  toSettingsOut,
  type IntegrationSettings,
  type IntegrationSettingsOut,
} from '../settings/index.js';
import type { Queryable } from '../store/db.js';
import type { Repos } from '../store/store.js';
import { accountKeyOf } from './account-key.js';
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
export async function saveIntegrationSettings(
  ctx: AppContext,
  appId: string,
  body: unknown,
  mode: SaveMode,
): Promise<IntegrationSettingsOut> {
  const saved = await ctx.store.tx(async (repos, q) => {
    await requireAppIn(repos, appId);
    // Two concurrent PATCHes must not both merge into the same old settings (SQLite
    // transactions are serialised already; PostgreSQL needs the row lock).
    if (q.dialect === 'postgres') await q.run('SELECT id FROM apps WHERE id = ? FOR UPDATE', [appId]);
    const current = await loadIntegration(repos, appId);
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
    await repos.integrations.upsert({ appId, ...next, updatedAt: now });
    const resumed = await resumeChangedAccounts(q, current.settings, result, now);
    return { next, resumed };
  });
  // New credentials (or a new account) may let waiting records go: delivery looks at once.
  ctx.store.delivery.wake('accounts');
  ctx.logger.info(
    { appId, enabled: saved.next.settings.enabled, region: saved.next.settings.region, resumedAccounts: saved.resumed },
    'integration settings saved',
  );
  return toOut(saved.next);
}

/**
 * Clears `auth_failed` for each account whose credentials this save changed (region, account
 * ID, or a passcode given). Returns the account keys that were paused and now are not.
 */
async function resumeChangedAccounts(
  q: Queryable,
  before: IntegrationSettings,
  after: { settings: IntegrationSettings; passcode?: string; sandboxPasscode?: string },
  now: number,
): Promise<string[]> {
  const changed: string[] = [];
  const { settings } = after;
  if (
    settings.accountId !== '' &&
    (after.passcode !== undefined || settings.region !== before.region || settings.accountId !== before.accountId)
  ) {
    changed.push(accountKeyOf(settings.region, settings.accountId));
  }
  const sb = settings.sandboxAccount;
  if (
    sb.accountId !== '' &&
    (after.sandboxPasscode !== undefined || sb.region !== before.sandboxAccount.region || sb.accountId !== before.sandboxAccount.accountId)
  ) {
    changed.push(accountKeyOf(sb.region, sb.accountId));
  }
  const resumed: string[] = [];
  for (const key of changed) {
    const res = await q.run(
      `UPDATE accounts SET auth_state = 'ok', auth_failed_at = NULL, next_probe_at = NULL, updated_at = ?
       WHERE account_key = ? AND auth_state <> 'ok'`,
      [now, key],
    );
    if (res.changes > 0) resumed.push(key);
  }
  return resumed;
}
