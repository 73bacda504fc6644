/**
 * The writes of a privacy erasure (`DELETE /apps/{appId}/users/{userKey}`): what is stored
 * about one user key, across events, records, attempts, attributes and states. Run inside one
 * transaction, under the processing lock (`processing.lockProcessing()`).
 */
import type { Queryable } from '../db.js';

/** Rows one user key's erasure touched (counts only: no personal data). */
export interface ErasedRows {
  events: number;
  recordsDeleted: number;
  recordsBlanked: number;
}

/** A subscription state that mentions a user (as owner or anywhere in its JSON). */
export interface MentioningSubscription {
  environment: string;
  subscriptionId: string;
  stateJson: string;
}

export interface ErasureRepo {
  /** The key asked for, plus every anonymous ID that events of that user ID carried. */
  linkedUserKeys(appId: string, userKey: string): Promise<string[]>;
  /**
   * Erases one user key from events (raw body and user columns cleared; the row stays as a
   * tombstone with reason `erasedReason`, status `skipped` unless delivered or failed), records
   * (held and pending ones deleted; the others, except those in flight, lose body, identifier
   * and user columns, keeping `erasedUserKey` as their key), attempt answers that echo the key,
   * the user's attributes and user state. Subscription states are the caller's (see below).
   */
  eraseUserRows(appId: string, userKey: string, marks: { erasedReason: string; erasedUserKey: string }): Promise<ErasedRows>;
  /** Subscription states of the app owned by the user or naming them anywhere in their JSON. */
  subscriptionsMentioning(appId: string, userKey: string): Promise<MentioningSubscription[]>;
  deleteSubscription(appId: string, environment: string, subscriptionId: string): Promise<void>;
  replaceSubscription(appId: string, environment: string, subscriptionId: string, stateJson: string, ownerUserKey: string | null): Promise<void>;
}

/** Escapes LIKE's wildcards (and the escape character) so `value` matches literally. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern matching `value` as a JSON string anywhere in a JSON column. */
function jsonStringPattern(value: string): string {
  return `%${escapeLike(JSON.stringify(value))}%`;
}

export function createErasureRepo(q: Queryable): ErasureRepo {
  return {
    async linkedUserKeys(appId, userKey) {
      const rows = await q.all<{ anonymous_user_id: string }>(
        `SELECT DISTINCT anonymous_user_id FROM events
          WHERE app_id = ? AND user_id = ? AND anonymous_user_id IS NOT NULL AND anonymous_user_id <> ''`,
        [appId, userKey],
      );
      return [userKey, ...rows.map((r) => r.anonymous_user_id).filter((k) => k !== userKey)];
    },

    async eraseUserRows(appId, userKey, { erasedReason, erasedUserKey }) {
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
        [erasedUserKey, appId, ...userParams],
      );
      const events = await q.run(
        `UPDATE events SET raw_body = NULL, user_key = NULL, user_id = NULL, anonymous_user_id = NULL, reason = ?,
                status = CASE WHEN status IN ('delivered', 'failed') THEN status ELSE 'skipped' END
          WHERE app_id = ? AND ${userMatch}`,
        [erasedReason, appId, ...userParams],
      );
      await q.run('DELETE FROM user_attributes WHERE app_id = ? AND user_key = ?', [appId, userKey]);
      await q.run('DELETE FROM user_states WHERE app_id = ? AND user_key = ?', [appId, userKey]);
      return { events: events.changes, recordsDeleted: deleted.changes, recordsBlanked: blanked.changes };
    },

    async subscriptionsMentioning(appId, userKey) {
      const rows = await q.all<{ environment: string; subscription_id: string; state_json: string }>(
        `SELECT environment, subscription_id, state_json FROM subscription_states
          WHERE app_id = ? AND (owner_user_key = ? OR state_json LIKE ? ESCAPE '\\')`,
        [appId, userKey, jsonStringPattern(userKey)],
      );
      return rows.map((r) => ({ environment: r.environment, subscriptionId: r.subscription_id, stateJson: r.state_json }));
    },

    async deleteSubscription(appId, environment, subscriptionId) {
      await q.run('DELETE FROM subscription_states WHERE app_id = ? AND environment = ? AND subscription_id = ?', [appId, environment, subscriptionId]);
    },

    async replaceSubscription(appId, environment, subscriptionId, stateJson, ownerUserKey) {
      await q.run('UPDATE subscription_states SET state_json = ?, owner_user_key = ? WHERE app_id = ? AND environment = ? AND subscription_id = ?', [
        stateJson,
        ownerUserKey,
        appId,
        environment,
        subscriptionId,
      ]);
    },
  };
}
