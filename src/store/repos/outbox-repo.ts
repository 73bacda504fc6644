import type { RecordBody } from '../../clevertap/types.js';
import type { Queryable } from '../db.js';
import { chunk, createStateRepo, placeholders } from './state-repo.js';

/** States a record can be written in by processing (delivery moves it on from there). */
export type NewRecordState = 'pending' | 'held' | 'skipped';

/** One CleverTap record to add to the outbox (`records`, migration 002). */
export interface NewRecord {
  appId: string;
  eventSeq: number;
  eventId: string;
  /** The user the record is about (its identity is resolved from the two ids below at send time). */
  userKey: string;
  userId: string | null;
  anonymousUserId: string | null;
  environment: string | null;
  target: 'main' | 'sandbox';
  kind: 'event' | 'profile' | 'charged';
  /** The record without identifier. */
  body: RecordBody;
  state: NewRecordState;
  reason: string | null;
  holdUntil: number | null;
  generation: number;
}

/** The status an event's records give it, as `events.status` shows it (team contract). */
export interface EventStatusUpdate {
  seq: number;
  status: string;
  reason: string | null;
}

/**
 * The outbox seen from processing and identity: writing new records, holding and releasing
 * them, and deriving an event's status from its latest generation of records.
 */
export interface OutboxRepo {
  /** Multi-row inserts, in the given order (ids grow with it, which is the per-user send order). */
  insertRecords(records: readonly NewRecord[], now: number): Promise<void>;
  /** Highest `generation` of each event's records (events without records are absent). */
  maxGenerations(eventSeqs: readonly number[]): Promise<Map<number, number>>;
  /**
   * Held records of the app whose `user_id` or `anonymous_user_id` is `userKey` become
   * `pending`, due now (their ids, hence their order, are unchanged). Returns the events touched.
   */
  releaseHeld(appId: string, userKey: string, now: number): Promise<number[]>;
  /** Held records whose `hold_until` passed become `skipped: no_identity`. Returns the events touched. */
  expireHolds(now: number, limit: number): Promise<number[]>;
  /** Held records of the app that are due for sending, oldest first (for the identity screen). */
  listHeld(appId: string, userKey: string, limit: number): Promise<HeldRecord[]>;
  /**
   * Sets each event's status from its latest generation of records: `failed` > `held` >
   * `pending` (`in_flight` too) > `delivered`; all `skipped` gives `skipped` with their reason.
   * Events currently `received` or `quarantined` are left alone (a replay is under way).
   */
  refreshEventStatuses(eventSeqs: readonly number[], now: number): Promise<void>;
}

/** A held record as the identity screen shows it. */
export interface HeldRecord {
  id: number;
  eventId: string;
  kind: string;
  holdUntil: number | null;
  createdAt: number;
}

const INSERT_COLUMNS = `app_id, event_seq, event_id, user_key, user_id, anonymous_user_id, environment, target, kind,
  body_json, state, reason, attempts, next_attempt_at, hold_until, generation, late, created_at, updated_at`;
const INSERT_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 0, ?, ?)';

/** Held records whose hold passed, oldest first (through `records_held_expiry`: the sweep holds the write lock). */
export const EXPIRED_HOLDS_SQL = `SELECT id, event_seq FROM records WHERE state = 'held' AND hold_until <= ? ORDER BY id LIMIT ?`;

/** Rank of a record state in an event's status (higher wins). */
const STATE_RANK: Record<string, number> = { skipped: 0, delivered: 1, pending: 2, in_flight: 2, held: 3, failed: 4 };

/** The status an event takes from the states of its latest records (see OutboxRepo). */
export function eventStatusOf(records: readonly { state: string; reason: string | null }[]): { status: string; reason: string | null } {
  let worst: { state: string; reason: string | null } | null = null;
  for (const r of records) {
    if (worst === null || (STATE_RANK[r.state] ?? 2) > (STATE_RANK[worst.state] ?? 2)) worst = r;
  }
  if (worst === null) return { status: 'skipped', reason: 'no_records' };
  const status = worst.state === 'in_flight' ? 'pending' : worst.state;
  return { status, reason: status === 'skipped' || status === 'failed' ? worst.reason : null };
}

export function createOutboxRepo(q: Queryable): OutboxRepo {
  return {
    async insertRecords(records, now) {
      for (const part of chunk(records, 200)) {
        await q.run(
          `INSERT INTO records (${INSERT_COLUMNS}) VALUES ${part.map(() => INSERT_ROW).join(', ')}`,
          part.flatMap((r) => [
            r.appId,
            r.eventSeq,
            r.eventId,
            r.userKey,
            r.userId,
            r.anonymousUserId,
            r.environment,
            r.target,
            r.kind,
            JSON.stringify(r.body),
            r.state,
            r.reason,
            now,
            r.holdUntil,
            r.generation,
            now,
            now,
          ]),
        );
      }
    },

    async maxGenerations(eventSeqs) {
      const found = new Map<number, number>();
      for (const part of chunk([...new Set(eventSeqs)], 500)) {
        const rows = await q.all<{ event_seq: number; generation: number }>(
          `SELECT event_seq, MAX(generation) AS generation FROM records
           WHERE event_seq IN (${placeholders(part.length)}) GROUP BY event_seq`,
          part,
        );
        for (const row of rows) found.set(Number(row.event_seq), Number(row.generation));
      }
      return found;
    },

    async releaseHeld(appId, userKey, now) {
      const where = `app_id = ? AND state = 'held' AND (user_id = ? OR anonymous_user_id = ?)`;
      const params = [appId, userKey, userKey];
      const rows = await q.all<{ event_seq: number }>(`SELECT DISTINCT event_seq FROM records WHERE ${where}`, params);
      if (rows.length === 0) return [];
      await q.run(`UPDATE records SET state = 'pending', hold_until = NULL, next_attempt_at = ?, updated_at = ? WHERE ${where}`, [now, now, ...params]);
      return rows.map((r) => Number(r.event_seq));
    },

    async expireHolds(now, limit) {
      const rows = await q.all<{ id: number; event_seq: number }>(EXPIRED_HOLDS_SQL, [now, limit]);
      if (rows.length === 0) return [];
      await createStateRepo(q).forgetSentProfiles(rows.map((r) => Number(r.id)));
      for (const part of chunk(
        rows.map((r) => Number(r.id)),
        500,
      )) {
        await q.run(
          `UPDATE records SET state = 'skipped', reason = 'no_identity', hold_until = NULL, updated_at = ?
           WHERE state = 'held' AND id IN (${placeholders(part.length)})`,
          [now, ...part],
        );
      }
      return [...new Set(rows.map((r) => Number(r.event_seq)))];
    },

    async listHeld(appId, userKey, limit) {
      const rows = await q.all<{ id: number; event_id: string; kind: string; hold_until: number | null; created_at: number }>(
        `SELECT id, event_id, kind, hold_until, created_at FROM records
         WHERE app_id = ? AND state = 'held' AND (user_id = ? OR anonymous_user_id = ?) ORDER BY id LIMIT ?`,
        [appId, userKey, userKey, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        eventId: r.event_id,
        kind: r.kind,
        holdUntil: r.hold_until === null ? null : Number(r.hold_until),
        createdAt: Number(r.created_at),
      }));
    },

    async refreshEventStatuses(eventSeqs, now) {
      const updates: EventStatusUpdate[] = [];
      for (const part of chunk([...new Set(eventSeqs)], 500)) {
        const rows = await q.all<{ event_seq: number; state: string; reason: string | null }>(
          `SELECT r.event_seq, r.state, r.reason FROM records r
           WHERE r.event_seq IN (${placeholders(part.length)})
             AND r.generation = (SELECT MAX(g.generation) FROM records g WHERE g.event_seq = r.event_seq)
           ORDER BY r.id`,
          part,
        );
        const bySeq = new Map<number, { state: string; reason: string | null }[]>();
        for (const row of rows) {
          const seq = Number(row.event_seq);
          const list = bySeq.get(seq) ?? [];
          list.push(row);
          bySeq.set(seq, list);
        }
        for (const [seq, list] of bySeq) updates.push({ seq, ...eventStatusOf(list) });
      }
      await updateEventStatuses(q, updates, now, ['received', 'quarantined']);
    },
  };
}

/**
 * Writes event statuses, one UPDATE per distinct (status, reason). Events whose current status
 * is in `unless` keep it. `processed_at` is set only when `markProcessed`.
 */
export async function updateEventStatuses(q: Queryable, updates: readonly EventStatusUpdate[], now: number, unless: readonly string[] = [], markProcessed = false): Promise<void> {
  const groups = new Map<string, { status: string; reason: string | null; seqs: number[] }>();
  for (const u of updates) {
    const key = `${u.status}\u0000${u.reason ?? ''}`;
    const group = groups.get(key) ?? { status: u.status, reason: u.reason, seqs: [] };
    group.seqs.push(u.seq);
    groups.set(key, group);
  }
  const guard = unless.length > 0 ? ` AND status NOT IN (${placeholders(unless.length)})` : '';
  const setProcessed = markProcessed ? ', processed_at = ?' : '';
  for (const group of groups.values()) {
    for (const part of chunk(group.seqs, 500)) {
      await q.run(`UPDATE events SET status = ?, reason = ?${setProcessed} WHERE seq IN (${placeholders(part.length)})${guard}`, [
        group.status,
        group.reason,
        ...(markProcessed ? [now] : []),
        ...part,
        ...unless,
      ]);
    }
  }
}
