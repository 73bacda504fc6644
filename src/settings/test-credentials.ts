import type { UploadClient } from '../clevertap/upload-client.js';
import type { Region } from '../clevertap/regions.js';
import type { AppContext } from '../context.js';
import { AppError, type ErrorDetail } from '../errors.js';
import { loadIntegration } from './load-integration.js';

/** Body of `POST …/integrations/clevertap/test`: any field given replaces the saved one. */
export interface CredentialTestIn {
  region?: Region;
  accountId?: string;
  passcode?: string;
  /** Which saved account to start from (default `main`). */
  target?: 'main' | 'sandbox';
}

/** The answer: plain English in `message`; `acceptedRegion` when another region accepts them. */
export interface CredentialTestOut {
  ok: boolean;
  message: string;
  /** Why it failed: `auth_failed` (refused) or `unreachable` (no answer); absent when ok. */
  reason?: 'auth_failed' | 'unreachable';
  acceptedRegion?: Region;
}

/**
 * Checks the saved credentials, or the ones given (e.g. typed in the dashboard before saving),
 * against CleverTap with an empty upload (SPEC §5). A missing account ID or passcode is a 422
 * naming the field; CleverTap's verdict is always a 200 with `ok`.
 */
export async function testCredentials(ctx: AppContext, client: UploadClient, appId: string, input: CredentialTestIn): Promise<CredentialTestOut> {
  if (!(await ctx.store.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
  const integration = await loadIntegration(ctx.store, appId);
  const target = input.target ?? 'main';
  const saved =
    target === 'main'
      ? { region: integration.settings.region, accountId: integration.settings.accountId, passcodeEnc: integration.passcodeEnc }
      : {
          region: integration.settings.sandboxAccount.region,
          accountId: integration.settings.sandboxAccount.accountId,
          passcodeEnc: integration.sandboxPasscodeEnc,
        };
  const region = input.region ?? saved.region;
  const accountId = input.accountId ?? saved.accountId;
  const passcode = input.passcode ?? (saved.passcodeEnc !== null ? ctx.secrets.decrypt(saved.passcodeEnc) : '');

  const missing: ErrorDetail[] = [];
  if (accountId === '') missing.push({ path: '/accountId', message: 'No account ID is saved or given: enter the CleverTap account ID.' });
  if (passcode === '') missing.push({ path: '/passcode', message: 'No passcode is saved or given: enter the CleverTap passcode.' });
  if (missing.length > 0) throw new AppError('validation_failed', 'Nothing to test yet: see details.', missing);

  const check = await client.checkCredentials({ region, accountId, passcode });
  ctx.logger.info({ appId, target, region, accountId, ok: check.ok }, 'CleverTap credential check');
  if (check.ok) return { ok: true, message: check.message };
  if (check.reason === 'unreachable') return { ok: false, reason: 'unreachable', message: check.message };
  return {
    ok: false,
    reason: 'auth_failed',
    message: check.message,
    ...(check.acceptedRegion !== undefined ? { acceptedRegion: check.acceptedRegion } : {}),
  };
}
