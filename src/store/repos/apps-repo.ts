import type { Queryable } from '../db.js';

/** An app as stored: secrets only in encrypted (webhook secrets) or digested (SDK key) form. */
export interface AppRecord {
  id: string;
  name: string;
  webhookSecretEnc: string;
  previousWebhookSecretEnc: string | null;
  sdkKeyDigest: string;
  signatureToleranceSeconds: number;
  allowLegacySignatures: boolean;
  createdAt: number;
  updatedAt: number;
}

interface DbApp {
  id: string;
  name: string;
  webhook_secret_enc: string;
  previous_webhook_secret_enc: string | null;
  sdk_key_digest: string;
  signature_tolerance_seconds: number;
  allow_legacy_signatures: number;
  created_at: number;
  updated_at: number;
}

export type AppPatch = Partial<Pick<AppRecord, 'name' | 'signatureToleranceSeconds' | 'allowLegacySignatures' | 'webhookSecretEnc' | 'previousWebhookSecretEnc' | 'sdkKeyDigest'>>;

export interface AppsRepo {
  insert(app: AppRecord): Promise<void>;
  get(id: string): Promise<AppRecord | null>;
  /**
   * Inside a transaction: makes a read-modify-write of the app's rows exclusive until commit.
   * PostgreSQL locks the app's row (`FOR UPDATE`); SQLite's write transactions are serialised
   * already, so there it does nothing.
   */
  lockForUpdate(id: string): Promise<void>;
  list(): Promise<AppRecord[]>;
  /** Applies the patch and returns the updated app, or null when there is no such app. */
  update(id: string, patch: AppPatch, now: number): Promise<AppRecord | null>;
  /** Deletes the app and everything stored under it; false when there was no such app. */
  delete(id: string): Promise<boolean>;
}

const COLUMNS: Record<keyof AppPatch, keyof DbApp> = {
  name: 'name',
  signatureToleranceSeconds: 'signature_tolerance_seconds',
  allowLegacySignatures: 'allow_legacy_signatures',
  webhookSecretEnc: 'webhook_secret_enc',
  previousWebhookSecretEnc: 'previous_webhook_secret_enc',
  sdkKeyDigest: 'sdk_key_digest',
};

/** Tables keyed by app_id that an app's deletion empties (children before parents). */
export const APP_OWNED_TABLES = ['records', 'attempts', 'user_states', 'subscription_states', 'user_attributes', 'events', 'integrations', 'dry_runs', 'webhook_rejections'];

function fromDb(row: DbApp): AppRecord {
  return {
    id: row.id,
    name: row.name,
    webhookSecretEnc: row.webhook_secret_enc,
    previousWebhookSecretEnc: row.previous_webhook_secret_enc,
    sdkKeyDigest: row.sdk_key_digest,
    signatureToleranceSeconds: Number(row.signature_tolerance_seconds),
    allowLegacySignatures: Number(row.allow_legacy_signatures) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function createAppsRepo(q: Queryable): AppsRepo {
  return {
    async insert(app) {
      await q.run(
        `INSERT INTO apps (id, name, webhook_secret_enc, previous_webhook_secret_enc, sdk_key_digest,
           signature_tolerance_seconds, allow_legacy_signatures, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          app.id,
          app.name,
          app.webhookSecretEnc,
          app.previousWebhookSecretEnc,
          app.sdkKeyDigest,
          app.signatureToleranceSeconds,
          app.allowLegacySignatures,
          app.createdAt,
          app.updatedAt,
        ],
      );
    },
    async get(id) {
      const row = await q.get<DbApp>('SELECT * FROM apps WHERE id = ?', [id]);
      return row ? fromDb(row) : null;
    },
    async lockForUpdate(id) {
      if (q.dialect === 'postgres') await q.run('SELECT id FROM apps WHERE id = ? FOR UPDATE', [id]);
    },
    async list() {
      const rows = await q.all<DbApp>('SELECT * FROM apps ORDER BY created_at, id');
      return rows.map(fromDb);
    },
    async update(id, patch, now) {
      const keys = (Object.keys(patch) as (keyof AppPatch)[]).filter((k) => patch[k] !== undefined);
      const sets = keys.map((k) => `${COLUMNS[k]} = ?`);
      const values = keys.map((k) => patch[k] as string | number | boolean | null);
      const result = await q.run(`UPDATE apps SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ?`, [...values, now, id]);
      if (result.changes === 0) return null;
      const row = await q.get<DbApp>('SELECT * FROM apps WHERE id = ?', [id]);
      return row ? fromDb(row) : null;
    },
    async delete(id) {
      for (const table of APP_OWNED_TABLES) await q.run(`DELETE FROM ${table} WHERE app_id = ?`, [id]);
      const result = await q.run('DELETE FROM apps WHERE id = ?', [id]);
      return result.changes > 0;
    },
  };
}
