import type { AttributesRepo } from '../store/repos/attributes-repo.js';

/** The CleverTap IDs a batch needs, read once per user key. */
export interface ClevertapIdCache {
  /** Loads the IDs of keys not looked up yet (one query). */
  prefetch(appId: string, userKeys: readonly string[]): Promise<void>;
  /** The ID of a prefetched key, or null. */
  get(appId: string, userKey: string): string | null;
}

export function createClevertapIdCache(repo: AttributesRepo): ClevertapIdCache {
  const known = new Map<string, string | null>();
  const keyOf = (appId: string, userKey: string) => `${appId}\u0000${userKey}`;
  return {
    async prefetch(appId, userKeys) {
      const missing = [...new Set(userKeys)].filter((k) => !known.has(keyOf(appId, k)));
      if (missing.length === 0) return;
      const found = await repo.getClevertapIds(appId, missing);
      for (const k of missing) known.set(keyOf(appId, k), found.get(k) ?? null);
    },
    get: (appId, userKey) => known.get(keyOf(appId, userKey)) ?? null,
  };
}
