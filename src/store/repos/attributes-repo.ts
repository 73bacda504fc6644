import type { Queryable } from '../db.js';
import { chunk, placeholders } from './state-repo.js';

/**
 * The CleverTap ID an app (or its backend) set for a user key through the attributes API
 * (`user_attributes`). A user key is a `user_id` or an `anonymous_user_id`.
 */
export interface AttributesRepo {
  getClevertapId(appId: string, userKey: string): Promise<string | null>;
  /** CleverTap IDs of the given user keys that have one (missing keys are absent from the map). */
  getClevertapIds(appId: string, userKeys: readonly string[]): Promise<Map<string, string>>;
  setClevertapId(appId: string, userKey: string, clevertapId: string, now: number): Promise<void>;
  /** False when the user had no CleverTap ID. */
  deleteClevertapId(appId: string, userKey: string): Promise<boolean>;
}

export function createAttributesRepo(q: Queryable): AttributesRepo {
  return {
    async getClevertapId(appId, userKey) {
      const row = await q.get<{ clevertap_id: string }>('SELECT clevertap_id FROM user_attributes WHERE app_id = ? AND user_key = ?', [appId, userKey]);
      return row?.clevertap_id ?? null;
    },

    async getClevertapIds(appId, userKeys) {
      const found = new Map<string, string>();
      for (const part of chunk([...new Set(userKeys)], 500)) {
        const rows = await q.all<{ user_key: string; clevertap_id: string }>(
          `SELECT user_key, clevertap_id FROM user_attributes WHERE app_id = ? AND user_key IN (${placeholders(part.length)})`,
          [appId, ...part],
        );
        for (const row of rows) found.set(row.user_key, row.clevertap_id);
      }
      return found;
    },

    async setClevertapId(appId, userKey, clevertapId, now) {
      await q.run(
        `INSERT INTO user_attributes (app_id, user_key, clevertap_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (app_id, user_key) DO UPDATE SET clevertap_id = excluded.clevertap_id, updated_at = excluded.updated_at`,
        [appId, userKey, clevertapId, now],
      );
    },

    async deleteClevertapId(appId, userKey) {
      const result = await q.run('DELETE FROM user_attributes WHERE app_id = ? AND user_key = ?', [appId, userKey]);
      return result.changes > 0;
    },
  };
}
