import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { eraseUserFromSubscription } from '../state/erase-user.js';
import { ownerOf, type SubscriptionState } from '../state/subscription-state.js';
import type { ErasureRepo } from '../store/repos/erasure-repo.js';

/** The `reason` of an event whose personal data was erased; it stays in the log as a tombstone. */
export const ERASED_REASON = 'erased';
/** `records.user_key` is NOT NULL: erased records keep this marker instead of the key. */
export const ERASED_USER_KEY = 'erased';

/** What an erasure touched, for the log line (counts only: no personal data). */
export interface ErasureCounts {
  /** User keys erased: the one asked for plus the anonymous IDs seen with it. */
  keys: number;
  events: number;
  recordsDeleted: number;
  recordsBlanked: number;
  subscriptions: number;
}

/**
 * `DELETE /apps/{appId}/users/{userKey}` (SPEC §2, privacy request): erases what is stored about
 * a user — `userKey` is a `user_id` or an `anonymous_user_id` — in one transaction:
 * - events: raw payload and user columns cleared; the row stays (event ID, name, times, status)
 *   as a tombstone with reason `erased`, so a late Purchasely retry is still recognised and not
 *   stored again; an event not delivered yet becomes `skipped`;
 * - records not sent yet (held, pending) are deleted; sent or failed ones lose their body,
 *   identifier and user columns; attempt answers that echo the user are cleared;
 * - the user's CleverTap ID, user state and their part of every subscription state.
 * Records in flight at this moment are left to finish (their body is already on the wire).
 * The anonymous IDs that events of this `user_id` carried are the same person before login,
 * so they are erased too.
 */
export async function eraseUser(ctx: AppContext, appId: string, userKey: string): Promise<ErasureCounts> {
  const counts = await ctx.store.transaction(async (tx) => {
    // Hold the processing lock so a batch running now cannot write back state erased here.
    await tx.processing.lockProcessing();
    if (!(await tx.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
    const total: ErasureCounts = { keys: 0, events: 0, recordsDeleted: 0, recordsBlanked: 0, subscriptions: 0 };
    for (const key of await tx.erasure.linkedUserKeys(appId, userKey)) {
      const c = await tx.erasure.eraseUserRows(appId, key, { erasedReason: ERASED_REASON, erasedUserKey: ERASED_USER_KEY });
      const subscriptions = await eraseFromSubscriptions(tx.erasure, appId, key);
      total.keys++;
      total.events += c.events;
      total.recordsDeleted += c.recordsDeleted;
      total.recordsBlanked += c.recordsBlanked;
      total.subscriptions += subscriptions;
    }
    return total;
  });
  ctx.logger.info({ appId, ...counts }, 'user erased');
  return counts;
}

/** Removes the user from every subscription state that mentions them; drops states left empty. */
async function eraseFromSubscriptions(erasure: ErasureRepo, appId: string, userKey: string): Promise<number> {
  let touched = 0;
  for (const row of await erasure.subscriptionsMentioning(appId, userKey)) {
    const state = JSON.parse(row.stateJson) as SubscriptionState;
    const next = eraseUserFromSubscription(state, userKey);
    if (next === null) {
      await erasure.deleteSubscription(appId, row.environment, row.subscriptionId);
      touched++;
      continue;
    }
    const json = JSON.stringify(next);
    if (json === row.stateJson) continue;
    await erasure.replaceSubscription(appId, row.environment, row.subscriptionId, json, safeOwner(next));
    touched++;
  }
  return touched;
}

/** The remaining owner, or null when the state no longer names one (e.g. only a transfer is left). */
function safeOwner(state: SubscriptionState): string | null {
  try {
    return ownerOf(state);
  } catch {
    return null;
  }
}
