import type { IntegrationSettings } from '../../settings/schema.js';
import type { Queryable } from '../db.js';

/**
 * An app's CleverTap integration as stored: the settings (no passcodes, safe to log) and the
 * passcodes encrypted with the secret key (`SecretBox.encrypt`), null when never set.
 */
export interface IntegrationRecord {
  appId: string;
  settings: IntegrationSettings;
  passcodeEnc: string | null;
  sandboxPasscodeEnc: string | null;
  updatedAt: number;
}

interface DbIntegration {
  app_id: string;
  settings_json: string;
  passcode_enc: string | null;
  sandbox_passcode_enc: string | null;
  updated_at: number | string;
}

export interface IntegrationsRepo {
  /** The stored integration, or null when the app never saved one (it then has the defaults). */
  get(appId: string): Promise<IntegrationRecord | null>;
  /** Inserts or replaces the app's integration row. */
  upsert(record: IntegrationRecord): Promise<void>;
}

function fromDb(row: DbIntegration): IntegrationRecord {
  return {
    appId: row.app_id,
    settings: JSON.parse(row.settings_json) as IntegrationSettings,
    passcodeEnc: row.passcode_enc,
    sandboxPasscodeEnc: row.sandbox_passcode_enc,
    updatedAt: Number(row.updated_at),
  };
}

export function createIntegrationsRepo(q: Queryable): IntegrationsRepo {
  return {
    async get(appId) {
      const row = await q.get<DbIntegration>('SELECT * FROM integrations WHERE app_id = ?', [appId]);
      return row ? fromDb(row) : null;
    },
    async upsert(record) {
      await q.run(
        `INSERT INTO integrations (app_id, settings_json, passcode_enc, sandbox_passcode_enc, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (app_id) DO UPDATE SET
           settings_json = excluded.settings_json,
           passcode_enc = excluded.passcode_enc,
           sandbox_passcode_enc = excluded.sandbox_passcode_enc,
           updated_at = excluded.updated_at`,
        [record.appId, JSON.stringify(record.settings), record.passcodeEnc, record.sandboxPasscodeEnc, record.updatedAt],
      );
    },
  };
}
