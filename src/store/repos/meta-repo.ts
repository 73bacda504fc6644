import type { Queryable } from '../db.js';

/** Small key/value facts about the installation (key fingerprint, admin token hash). */
export interface MetaRepo {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Stores `value` unless the key exists; returns what is stored afterwards (first writer wins). */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export const META_KEYS = {
  secretKeyFingerprint: 'secret_key_fingerprint',
  adminTokenHash: 'admin_token_hash',
} as const;

export function createMetaRepo(q: Queryable): MetaRepo {
  return {
    async get(key) {
      const row = await q.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]);
      return row?.value ?? null;
    },
    async set(key, value) {
      await q.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
    },
    async setIfAbsent(key, value) {
      await q.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value]);
      const row = await q.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]);
      return row!.value;
    },
  };
}
