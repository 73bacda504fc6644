import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { eraseUserFromSubscription } from '../state/erase-user.js';
import { ownerOf, type SubscriptionState } from '../state/subscription-state.js';
import type { Queryable } from '../store/db.js';
import { createProcessingRepo } from '../store/repos/processing-repo.js';

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

/** A LIKE pattern matching `value` as a JSON string anywhere in a JSON column. */
function jsonStringPattern(value: string): string {
  return `%${escapeLike(JSON.stringify(value))}%`;
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
  const counts = await ctx.store.tx(async (repos, q) => {
    // Hold the processing lock so a batch running now cannot write back state erased here.
    await createProcessingRepo(q).lockProcessing();
    if (!(await repos.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
    const total: ErasureCounts = { keys: 0, events: 0, recordsDeleted: 0, recordsBlanked: 0, subscriptions: 0 };
    for (const key of await linkedUserKeys(q, appId, userKey)) {
      const c = await eraseUserKey(q, appId, key);
      total.keys++;
      total.events += c.events;
      total.recordsDeleted += c.recordsDeleted;
      total.recordsBlanked += c.recordsBlanked;
      total.subscriptions += c.subscriptions;
    }
    return total;
  });
  ctx.logger.info({ appId, ...counts }, 'user erased');
  return counts;
}

/** The key asked for, plus every anonymous ID that events of that user ID carried. */
export async function linkedUserKeys(q: Queryable, appId: string, userKey: string): Promise<string[]> {
  const rows = await q.all<{ anonymous_user_id: string }>(
    `SELECT DISTINCT anonymous_user_id FROM events
      WHERE app_id = ? AND user_id = ? AND anonymous_user_id IS NOT NULL AND anonymous_user_id <> ''`,
    [appId, userKey],
  );
  return [userKey, ...rows.map((r) => r.anonymous_user_id).filter((k) => k !== userKey)];
}

/** Erases one user key (see eraseUser) with the transaction's queryable. */
async function eraseUserKey(q: Queryable, appId: string, userKey: string): Promise<Omit<ErasureCounts, 'keys'>> {
  const userMatch = '(user_key = ? OR user_id = ? OR anonymous_user_id = ?)';
  const userParams = [userKey, userKey, userKey];

  await q.run(
    `UPDATE attempts SET response_text = NULL
      WHERE app_id = ? AND response_text LIKE ? ESCAPE '\\'
        AND id IN (SELECT ar.attempt_id FROM attempt_records ar JOIN records r ON r.id = ar.record_id
                    WHERE r.app_id = ? AND (r.user_key = ? OR r.user_id = ? OR r.anonymous_user_id = ?))`,
    [appId, `%${escapeLike(userKey)}%`, appId, ...userParams],
  );
  const deleted = await q.run(`DELETE FROM records WHERE app_id = ? AND ${userMatch} AND state IN ('held', 'pending')`, [appId, ...userParams]);
  const blanked = await q.run(
    `UPDATE records SET body_json = '{}', identifier_json = NULL, user_key = ?, user_id = NULL, anonymous_user_id = NULL,
            last_message = NULL
      WHERE app_id = ? AND ${userMatch} AND state <> 'in_flight'`,
    [ERASED_USER_KEY, appId, ...userParams],
  );
  const events = await q.run(
    `UPDATE events SET raw_body = NULL, user_key = NULL, user_id = NULL, anonymous_user_id = NULL, reason = ?,
            status = CASE WHEN status IN ('delivered', 'failed') THEN status ELSE 'skipped' END
      WHERE app_id = ? AND ${userMatch}`,
    [ERASED_REASON, appId, ...userParams],
  );
  await q.run('DELETE FROM user_attributes WHERE app_id = ? AND user_key = ?', [appId, userKey]);
  await q.run('DELETE FROM user_states WHERE app_id = ? AND user_key = ?', [appId, userKey]);
  const subscriptions = await eraseFromSubscriptions(q, appId, userKey);
  return { events: events.changes, recordsDeleted: deleted.changes, recordsBlanked: blanked.changes, subscriptions };
}

/** Escapes LIKE's wildcards (and the escape character) so `value` matches literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Removes the user from every subscription state that mentions them; drops states left empty. */
async function eraseFromSubscriptions(q: Queryable, appId: string, userKey: string): Promise<number> {
  const rows = await q.all<{ environment: string; subscription_id: string; state_json: string }>(
    `SELECT environment, subscription_id, state_json FROM subscription_states
      WHERE app_id = ? AND (owner_user_key = ? OR state_json LIKE ? ESCAPE '\\')`,
    [appId, userKey, jsonStringPattern(userKey)],
  );
  let touched = 0;
  for (const row of rows) {
    const state = JSON.parse(row.state_json) as SubscriptionState;
    const next = eraseUserFromSubscription(state, userKey);
    const key = [appId, row.environment, row.subscription_id];
    if (next === null) {
      await q.run('DELETE FROM subscription_states WHERE app_id = ? AND environment = ? AND subscription_id = ?', key);
      touched++;
      continue;
    }
    const json = JSON.stringify(next);
    if (json === row.state_json) continue;
    await q.run(
      'UPDATE subscription_states SET state_json = ?, owner_user_key = ? WHERE app_id = ? AND environment = ? AND subscription_id = ?',
      [json, safeOwner(next), ...key],
    );
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
