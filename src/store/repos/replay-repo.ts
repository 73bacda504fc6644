/**
 * The event log as replay sees it: finding the events a replay looks at (one by id, or a bulk
 * filter paged by seq) and putting them back in the processing queue with a compare-and-set on
 * the status the caller read.
 */
import type { Queryable, SqlValue } from '../db.js';
import { eventFilterClauses, placeholders } from './event-filter.js';
import type { NewEventRow } from './events-repo.js';

/** What replay needs to know about a stored event. */
export interface ReplayCandidate {
  seq: number;
  eventId: string;
  status: string;
  reason: string | null;
  rawBody: Buffer | null;
}

interface DbCandidate {
  seq: number;
  event_id: string;
  status: string;
  reason: string | null;
  raw_body: Buffer | Uint8Array | null;
}

const CANDIDATE_COLUMNS = 'seq, event_id, status, reason, raw_body';

function fromDb(row: DbCandidate): ReplayCandidate {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    status: row.status,
    reason: row.reason,
    rawBody: row.raw_body === null ? null : Buffer.from(row.raw_body),
  };
}

/** Which events a bulk replay looks at; times are `received_at` bounds in epoch ms, both inclusive. */
export interface CandidateFilter {
  appId: string;
  statuses: readonly string[];
  eventNames?: readonly string[] | undefined;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  /** Matches `user_key`, `user_id` or `anonymous_user_id` (as the event log's filter). */
  userKey?: string | undefined;
  environment?: string | undefined;
  eventIds?: readonly string[] | undefined;
}

function candidateWhere(filter: CandidateFilter): { where: string[]; params: SqlValue[] } {
  // Unlike the log's filter, a replay always names its statuses, may name events by id and takes `toMs` inclusive.
  const { where, params } = eventFilterClauses(filter);
  // No status named: nothing is a candidate (the shared filter would read it as "any status").
  if (filter.statuses.length === 0) where.push('0 = 1');
  if (filter.eventIds && filter.eventIds.length > 0) {
    where.push(`event_id IN (${placeholders(filter.eventIds.length)})`);
    params.push(...filter.eventIds);
  }
  if (filter.toMs !== undefined) {
    where.push('received_at <= ?');
    params.push(filter.toMs);
  }
  return { where, params };
}

export interface ReplayRepo {
  /** The event `eventId` of the app, or null. */
  findEvent(appId: string, eventId: string): Promise<ReplayCandidate | null>;
  /** How many events match the filter (what a bulk replay would look at). */
  countCandidates(filter: CandidateFilter): Promise<number>;
  /** One page of matching events after `afterSeq`, oldest first (keyset pagination on seq). */
  listCandidates(filter: CandidateFilter, afterSeq: number, limit: number): Promise<ReplayCandidate[]>;
  /**
   * Puts events back in the processing queue, but only those still in the status the caller saw
   * (compare-and-set: an event that processing or delivery changed meanwhile is left alone).
   * Returns how many moved.
   */
  requeueEvents(seqs: readonly number[], expectedStatuses: readonly string[]): Promise<number>;
  /** A quarantined event whose payload now parses: fill its columns and queue it. */
  requeueParsedQuarantined(seq: number, event: NewEventRow): Promise<number>;
  setQuarantineReason(seq: number, reason: string): Promise<void>;
  /** The seq of another event of the app with this `event_id`, or null. */
  findOtherEventSeq(appId: string, eventId: string, exceptSeq: number): Promise<number | null>;
  /** Counts one more copy received of the event. */
  countDuplicate(seq: number): Promise<void>;
}

export function createReplayRepo(q: Queryable): ReplayRepo {
  return {
    async findEvent(appId, eventId) {
      const row = await q.get<DbCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM events WHERE app_id = ? AND event_id = ?`, [appId, eventId]);
      return row ? fromDb(row) : null;
    },

    async countCandidates(filter) {
      if (filter.statuses.length === 0) return 0;
      const { where, params } = candidateWhere(filter);
      const row = await q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE ${where.join(' AND ')}`, params);
      return Number(row?.n ?? 0);
    },

    async listCandidates(filter, afterSeq, limit) {
      if (filter.statuses.length === 0) return [];
      const { where, params } = candidateWhere(filter);
      where.push('seq > ?');
      params.push(afterSeq);
      params.push(limit);
      const rows = await q.all<DbCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, params);
      return rows.map(fromDb);
    },

    async requeueEvents(seqs, expectedStatuses) {
      if (seqs.length === 0 || expectedStatuses.length === 0) return 0;
      const { changes } = await q.run(
        `UPDATE events SET status = 'received', reason = NULL, note = NULL, processed_at = NULL
          WHERE seq IN (${seqs.map(() => '?').join(', ')}) AND status IN (${expectedStatuses.map(() => '?').join(', ')})`,
        [...seqs, ...expectedStatuses],
      );
      return changes;
    },

    async requeueParsedQuarantined(seq, event) {
      const { changes } = await q.run(
        `UPDATE events SET event_id = ?, event_name = ?, user_key = ?, user_id = ?, anonymous_user_id = ?, environment = ?,
                event_created_at = ?, status = 'received', reason = NULL, note = NULL, processed_at = NULL
          WHERE seq = ? AND status = 'quarantined'`,
        [event.eventId, event.eventName, event.userKey, event.userId, event.anonymousUserId, event.environment, event.eventCreatedAt, seq],
      );
      return changes;
    },

    async setQuarantineReason(seq, reason) {
      await q.run(`UPDATE events SET reason = ? WHERE seq = ? AND status = 'quarantined'`, [reason, seq]);
    },

    async findOtherEventSeq(appId, eventId, exceptSeq) {
      const row = await q.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ? AND seq <> ?', [appId, eventId, exceptSeq]);
      return row ? Number(row.seq) : null;
    },

    async countDuplicate(seq) {
      await q.run('UPDATE events SET duplicates = duplicates + 1 WHERE seq = ?', [seq]);
    },
  };
}
