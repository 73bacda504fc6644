import type { Queryable } from '../db.js';
import { placeholders } from './state-repo.js';

/** One user's state to compare: the key of a `user_states` row. */
export interface UserStateKey {
  /** As processing keys states: the events' environment, '' when they named none. */
  environment: string;
  userKey: string;
}

/** Where a record stands (`records.state`) and the last word of its delivery. */
export interface RecordProgress {
  id: number;
  state: string;
  lastMessage: string | null;
}

/** The reads `pcbridge reconcile` makes besides the profile view: which users, and how its resends are doing. */
export interface ReconcileRepo {
  /** Up to `size` states of the app, chosen at random. */
  sampleUserStates(appId: string, size: number): Promise<UserStateKey[]>;
  /** The app's states in key order after `after` (exclusive), at most `limit`: for walking them all. */
  userStatesAfter(appId: string, after: UserStateKey | null, limit: number): Promise<UserStateKey[]>;
  /** The state of each of these records (records that no longer exist are left out). */
  recordProgress(ids: readonly number[]): Promise<RecordProgress[]>;
}

export function createReconcileRepo(q: Queryable): ReconcileRepo {
  const toKey = (r: { environment: string; user_key: string }): UserStateKey => ({ environment: r.environment, userKey: r.user_key });
  return {
    async sampleUserStates(appId, size) {
      // random() in both dialects; a whole-table sort, acceptable for a command run by hand.
      const rows = await q.all<{ environment: string; user_key: string }>('SELECT environment, user_key FROM user_states WHERE app_id = ? ORDER BY random() LIMIT ?', [
        appId,
        size,
      ]);
      return rows.map(toKey);
    },

    async userStatesAfter(appId, after, limit) {
      // Keyset paging on the primary key (app_id, environment, user_key).
      const rows =
        after === null
          ? await q.all<{ environment: string; user_key: string }>('SELECT environment, user_key FROM user_states WHERE app_id = ? ORDER BY environment, user_key LIMIT ?', [
              appId,
              limit,
            ])
          : await q.all<{ environment: string; user_key: string }>(
              'SELECT environment, user_key FROM user_states WHERE app_id = ? AND (environment > ? OR (environment = ? AND user_key > ?)) ORDER BY environment, user_key LIMIT ?',
              [appId, after.environment, after.environment, after.userKey, limit],
            );
      return rows.map(toKey);
    },

    async recordProgress(ids) {
      if (ids.length === 0) return [];
      const out: RecordProgress[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        const rows = await q.all<{ id: number | string; state: string; last_message: string | null }>(
          `SELECT id, state, last_message FROM records WHERE id IN (${placeholders(part.length)})`,
          part,
        );
        out.push(...rows.map((r) => ({ id: Number(r.id), state: r.state, lastMessage: r.last_message })));
      }
      return out;
    },
  };
}
