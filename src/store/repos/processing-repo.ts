import type { Queryable } from '../db.js';
import { updateEventStatuses, type EventStatusUpdate } from './outbox-repo.js';
import { chunk, placeholders } from './state-repo.js';

/** A stored event waiting for processing, with what processing needs of it. */
export interface ReceivedEvent {
  seq: number;
  appId: string;
  eventId: string;
  /** The payload as received; null when it was erased (privacy request). */
  rawBody: Buffer | null;
  /** Set when the event was processed before (a replay). */
  processedAt: number | null;
}

interface DbReceivedEvent {
  seq: number;
  app_id: string;
  event_id: string;
  raw_body: Buffer | Uint8Array | null;
  processed_at: number | null;
}

/** The processing side of `events` and `integrations`. */
export interface ProcessingRepo {
  /**
   * Takes the processing lock for the rest of the transaction, without waiting: false when
   * another instance holds it. On PostgreSQL a transaction-scoped advisory lock (released by
   * commit, rollback or a dead connection, so a killed instance never blocks the others); on
   * SQLite the write transaction itself already excludes every other writer.
   */
  tryLockProcessing(): Promise<boolean>;
  /** Takes the same lock, waiting for it (short writes that must not interleave with a batch). */
  lockProcessing(): Promise<void>;
  /** The oldest `received` events, in the order they were received. */
  nextReceivedEvents(limit: number): Promise<ReceivedEvent[]>;
  /** `settings_json` of each app that has an integrations row. */
  loadSettingsJson(appIds: readonly string[]): Promise<Map<string, string>>;
  /** Sets the status and reason of processed events and stamps `processed_at`. */
  markProcessed(updates: readonly EventStatusUpdate[], now: number): Promise<void>;
  /** Stores each event's note (see EventRecord.note). */
  setEventNotes(notes: readonly { seq: number; note: string }[]): Promise<void>;
}

// Two-key advisory lock space ("pcbr", schema): distinct from the migration lock's one-key
// space. Advisory locks are database-wide, so the schema's hash keeps bridges that share one
// database in separate schemas (and parallel test files) from excluding each other.
const LOCK_SQL = 'pg_advisory_xact_lock(1885557362, hashtext(current_schema()))';
const TRY_LOCK_SQL = 'pg_try_advisory_xact_lock(1885557362, hashtext(current_schema()))';

export function createProcessingRepo(q: Queryable): ProcessingRepo {
  return {
    async tryLockProcessing() {
      if (q.dialect !== 'postgres') return true;
      const row = await q.get<{ locked: boolean }>(`SELECT ${TRY_LOCK_SQL} AS locked`);
      return row?.locked === true;
    },

    async lockProcessing() {
      if (q.dialect === 'postgres') await q.run(`SELECT ${LOCK_SQL}`);
    },

    async nextReceivedEvents(limit) {
      const rows = await q.all<DbReceivedEvent>(`SELECT seq, app_id, event_id, raw_body, processed_at FROM events WHERE status = 'received' ORDER BY seq LIMIT ?`, [limit]);
      return rows.map((row) => ({
        seq: Number(row.seq),
        appId: row.app_id,
        eventId: row.event_id,
        rawBody: row.raw_body === null ? null : Buffer.from(row.raw_body),
        processedAt: row.processed_at === null ? null : Number(row.processed_at),
      }));
    },

    async loadSettingsJson(appIds) {
      const found = new Map<string, string>();
      for (const part of chunk([...new Set(appIds)], 500)) {
        const rows = await q.all<{ app_id: string; settings_json: string }>(`SELECT app_id, settings_json FROM integrations WHERE app_id IN (${placeholders(part.length)})`, part);
        for (const row of rows) found.set(row.app_id, row.settings_json);
      }
      return found;
    },

    async markProcessed(updates, now) {
      await updateEventStatuses(q, updates, now, [], true);
    },

    async setEventNotes(notes) {
      for (const { seq, note } of notes) await q.run('UPDATE events SET note = ? WHERE seq = ?', [note, seq]);
    },
  };
}
