/**
 * `…/integrations/clevertap/resume` (SPEC §2, §5): lifts the authentication pause of an app's
 * CleverTap accounts and wakes the delivery engines (this process's at once; on PostgreSQL every
 * instance's through NOTIFY, otherwise at their next refresh, ≤ 1 s).
 */
import type { AppContext } from '../context.js';
import { loadAppAccounts } from './account-directory.js';

/** What a resume did, per account of the app. */
export interface ResumeResult {
  accounts: { accountKey: string; target: string; wasPaused: boolean }[];
}

/** Resumes every account the app's integration sends to; accounts that were not paused are listed as such. */
export async function resumeAppAccounts(ctx: AppContext, appId: string): Promise<ResumeResult> {
  const accounts = await loadAppAccounts(ctx, appId);
  const repo = ctx.store.delivery.accounts;
  const now = ctx.clock.now();
  const result: ResumeResult = { accounts: [] };
  for (const [key, entry] of accounts) {
    await repo.ensure(key, now);
    const wasPaused = await repo.markAuthOk(key, now);
    result.accounts.push({
      accountKey: key,
      target: entry.streams
        .filter((s) => s.appId === appId)
        .map((s) => s.target)
        .join(','),
      wasPaused,
    });
  }
  ctx.store.delivery.wake('accounts');
  if (result.accounts.some((a) => a.wasPaused)) ctx.logger.info({ appId }, 'CleverTap delivery resumed by request');
  return result;
}
