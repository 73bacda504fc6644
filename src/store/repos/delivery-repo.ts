/**
 * SQL of the delivery engine on the `records` outbox (migration 002 + 006): claim, complete,
 * reclaim and recompute, batch-first. Each function runs on the Queryable it is given, so the
 * worker composes them inside one transaction. Portable SQL (`?` placeholders, epoch ms, 0/1).
 */
import type { Queryable, SqlValue } from '../db.js';

/** Ids per statement: well under SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 400;

/** A pending record picked for a batch, with what sending it needs. */
export interface ClaimableRecord {
  id: number;
  app_id: string;
  event_seq: number;
  user_key: string;
  user_id: string | null;
  anonymous_user_id: string | null;
  body_json: string;
  attempts: number;
  hold_until: number | null;
  event_created_at: number | null;
  /** When the webhook brought the record's event in (null for an event gone since). */
  event_received_at: number | null;
}

/** Records of one group (same new values) to update. */
export interface RecordGroupUpdate {
  ids: number[];
  set: Record<string, SqlValue>;
}

/** What one claim read: the records it may take, and how many due records it left because an earlier record of their user is open. */
export interface ClaimableRead {
  rows: ClaimableRecord[];
  heldBack: number;
}

export interface DeliveryRepo {
  /** The apps with a CleverTap integration row (the delivery engine's accounts come from them). */
  integratedAppIds(): Promise<string[]>;
  /** The CleverTap IDs set for these users (or anonymous IDs), keyed `app\nuserKey`. */
  clevertapIds(userKeysByApp: ReadonlyMap<string, ReadonlySet<string>>): Promise<Map<string, string>>;
  /** True when the (app, target) stream has a record ready to go; a cheap read before taking a write lock. */
  hasReady(appId: string, target: string, now: number): Promise<boolean>;
  /** True when stored events wait for processing (any app): more records are on their way. */
  eventsAwaitProcessing(): Promise<boolean>;
  /**
   * The next pending, due records of one (app, target) stream in id order that no earlier open
   * record of the same user holds back: an earlier record in flight, waiting for a retry, or
   * bound for another account. Looks through at most a few pages of due records (records of
   * users in flight are skipped, not waited for). Reads only; the caller marks what it takes.
   */
  selectClaimable(appId: string, target: string, now: number, limit: number): Promise<ClaimableRead>;
  /** Marks records in flight under this owner's lease, each with the identifier it is sent with. */
  markInFlight(records: readonly { id: number; identifierJson: string }[], owner: string, leaseUntil: number, now: number): Promise<void>;
  /** Sends records without an identifier back to `held` (their user has no CleverTap ID). */
  markHeld(ids: readonly number[], holdUntil: number, now: number): Promise<void>;
  /** Applies one group of new column values to this owner's in-flight records; returns rows changed. */
  updateInFlight(group: RecordGroupUpdate, owner: string): Promise<number>;
  /** In-flight records whose lease ran out go back to pending; attempts unchanged. */
  reclaimExpired(now: number): Promise<number>;
  /** The instances holding records in flight. */
  leaseOwners(): Promise<string[]>;
  /** Every record in flight under `owner` goes back to pending (the owner is known to be dead). */
  reclaimOwner(owner: string, now: number): Promise<number>;
  /**
   * The records one claim of `owner` marked in flight at `claimedAt` (their `updated_at`) go back
   * to pending: the claim's answer was lost, so nobody will send them.
   */
  releaseClaim(owner: string, claimedAt: number, now: number): Promise<number>;
  /** Extends this owner's leases that end before `renewBefore` (fresher ones are left as they are). */
  renewLeases(owner: string, leaseUntil: number, renewBefore: number): Promise<void>;
  /** `(event_seq, generation, state)` of every record of these events. */
  recordStates(eventSeqs: readonly number[]): Promise<{ event_seq: number; generation: number; state: string }[]>;
  /** Sets the status of these events unless they went back to processing (replay) meanwhile. */
  setEventStatus(eventSeqs: readonly number[], status: string): Promise<void>;
  /** Flags these events late. */
  markEventsLate(eventSeqs: readonly number[]): Promise<void>;
}

/** Pages of due records a claim looks through for ones no earlier record holds back. */
const MAX_CLAIM_PAGES = 4;

/*
 * PostgreSQL plans `key IN (…400 keys…)` from its statistics, and a table filled faster than
 * autovacuum analyzes it (a backlog, an import) has none: it then reads the whole table for
 * each lookup (60 ms per 400 events of a 60k-record outbox instead of 0.3 ms). These lookups go
 * through a LATERAL subquery behind OFFSET 0, which PostgreSQL cannot flatten: one index lookup
 * per key, whatever the statistics say. The keys travel as one JSON array parameter.
 */

/** PostgreSQL: `(user_key, id)` of the open records of these users (JSON array) of one app, up to an id. */
export const PG_OPEN_RECORD_IDS_SQL = `SELECT u.key AS user_key, r.id
  FROM jsonb_array_elements_text(?::jsonb) AS u(key)
  CROSS JOIN LATERAL (SELECT id FROM records WHERE app_id = ? AND user_key = u.key AND state IN ('pending', 'in_flight') AND id <= ? OFFSET 0) AS r
 ORDER BY r.id`;

/** PostgreSQL: `(event_seq, generation, state)` of every record of these events (JSON array). */
export const PG_RECORD_STATES_SQL = `SELECT r.event_seq, r.generation, r.state
  FROM jsonb_array_elements_text(?::jsonb) AS s(seq)
  CROSS JOIN LATERAL (SELECT event_seq, generation, state FROM records WHERE event_seq = s.seq::bigint OFFSET 0) AS r`;

/**
 * Per user, the ids of its open records (pending or in flight, any account, any due time) up to
 * `maxId`, in order. A candidate may leave only when every open record of its user before it
 * leaves with it: whatever else is open (in flight, waiting for a retry, bound for another
 * account, or turned back to pending by a concurrent lease reclaim after the candidates were
 * read) holds the user's later records back.
 */
async function openRecordIds(q: Queryable, appId: string, userKeys: readonly string[], maxId: number): Promise<Map<string, number[]>> {
  const open = new Map<string, number[]>();
  for (const part of chunks(userKeys)) {
    const rows =
      q.dialect === 'postgres'
        ? await q.all<{ user_key: string; id: number }>(PG_OPEN_RECORD_IDS_SQL, [JSON.stringify(part), appId, maxId])
        : await q.all<{ user_key: string; id: number }>(
            `SELECT user_key, id FROM records
              WHERE app_id = ? AND user_key IN (${marks(part.length)}) AND state IN ('pending', 'in_flight') AND id <= ?
              ORDER BY id`,
            [appId, ...part, maxId],
          );
    for (const r of rows) {
      let ids = open.get(r.user_key);
      if (!ids) open.set(r.user_key, (ids = []));
      ids.push(Number(r.id));
    }
  }
  return open;
}

/** True when every open record of the user before `id` is already picked by this claim. */
function everyEarlierOpenRecordLeaves(openIds: readonly number[], id: number, pickedIds: ReadonlySet<number>): boolean {
  for (const openId of openIds) {
    if (openId >= id) return true;
    if (!pickedIds.has(openId)) return false;
  }
  return true;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const marks = (n: number): string => Array.from({ length: n }, () => '?').join(',');

export function createDeliveryRepo(q: Queryable): DeliveryRepo {
  return {
    async integratedAppIds() {
      const rows = await q.all<{ app_id: string }>(`SELECT app_id FROM integrations ORDER BY app_id`);
      return rows.map((r) => r.app_id);
    },

    async clevertapIds(userKeysByApp) {
      const ids = new Map<string, string>();
      for (const [appId, keySet] of userKeysByApp) {
        for (const part of chunks([...keySet])) {
          const found = await q.all<{ user_key: string; clevertap_id: string }>(
            `SELECT user_key, clevertap_id FROM user_attributes WHERE app_id = ? AND user_key IN (${marks(part.length)})`,
            [appId, ...part],
          );
          for (const f of found) ids.set(`${appId}\n${f.user_key}`, f.clevertap_id);
        }
      }
      return ids;
    },

    async eventsAwaitProcessing() {
      const row = await q.get<{ one: number }>(`SELECT 1 AS one FROM events WHERE status = 'received' LIMIT 1`);
      return row !== undefined;
    },

    async hasReady(appId, target, now) {
      const row = await q.get<{ one: number }>(`SELECT 1 AS one FROM records WHERE state = 'pending' AND app_id = ? AND target = ? AND next_attempt_at <= ? LIMIT 1`, [
        appId,
        target,
        now,
      ]);
      return row !== undefined;
    },

    async selectClaimable(appId, target, now, limit) {
      // Two plain index lookups instead of one correlated query: PostgreSQL's planner picked a
      // quadratic plan for the NOT EXISTS form on a freshly filled table (no statistics yet).
      const picked: ClaimableRecord[] = [];
      const pickedIds = new Set<number>();
      let heldBack = 0;
      let afterId = 0;
      for (let page = 0; page < MAX_CLAIM_PAGES && picked.length < limit; page++) {
        const candidates = await q.all<ClaimableRecord>(
          `SELECT r.id, r.app_id, r.event_seq, r.user_key, r.user_id, r.anonymous_user_id, r.body_json, r.attempts,
                  r.hold_until, e.event_created_at, e.received_at AS event_received_at
             FROM records r LEFT JOIN events e ON e.seq = r.event_seq
            WHERE r.state = 'pending' AND r.app_id = ? AND r.target = ? AND r.id > ? AND r.next_attempt_at <= ?
            ORDER BY r.id
            LIMIT ?`,
          [appId, target, afterId, now, limit],
        );
        if (candidates.length === 0) break;
        afterId = Number(candidates[candidates.length - 1]!.id);
        const open = await openRecordIds(q, appId, [...new Set(candidates.map((c) => c.user_key))], afterId);
        for (const c of candidates) {
          if (!everyEarlierOpenRecordLeaves(open.get(c.user_key) ?? [], Number(c.id), pickedIds)) {
            heldBack += 1;
            continue;
          }
          picked.push(c);
          pickedIds.add(Number(c.id));
          if (picked.length >= limit) break;
        }
        if (candidates.length < limit) break;
      }
      return { rows: picked, heldBack };
    },

    async markInFlight(records, owner, leaseUntil, now) {
      // One statement per 1000 records, the (id, identifier) pairs passed as one JSON parameter:
      // far cheaper than a CASE over the ids (a claim's largest cost otherwise).
      for (const part of chunks(records, 1000)) {
        const pairs = JSON.stringify(part.map((r) => [r.id, r.identifierJson]));
        await q.run(
          q.dialect === 'postgres'
            ? `UPDATE records AS r SET state = 'in_flight', lease_owner = ?, lease_until = ?, updated_at = ?, identifier_json = v.ident
                 FROM (SELECT (e->>0)::bigint AS id, e->>1 AS ident FROM jsonb_array_elements(?::jsonb) AS e) AS v
                WHERE r.id = v.id AND r.state = 'pending'`
            : `UPDATE records SET state = 'in_flight', lease_owner = ?, lease_until = ?, updated_at = ?, identifier_json = v.ident
                 FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS ident FROM json_each(?)) AS v
                WHERE records.id = v.id AND records.state = 'pending'`,
          [owner, leaseUntil, now, pairs],
        );
      }
    },

    async markHeld(ids, holdUntil, now) {
      for (const part of chunks(ids)) {
        await q.run(
          `UPDATE records SET state = 'held', hold_until = COALESCE(hold_until, ?), updated_at = ?
            WHERE id IN (${marks(part.length)}) AND state = 'pending'`,
          [holdUntil, now, ...part],
        );
      }
    },

    async updateInFlight(group, owner) {
      const columns = Object.keys(group.set);
      const assignments = columns.map((c) => `${c} = ?`).join(', ');
      const values = columns.map((c) => group.set[c] as SqlValue);
      let changed = 0;
      for (const part of chunks(group.ids)) {
        const res = await q.run(`UPDATE records SET ${assignments} WHERE id IN (${marks(part.length)}) AND state = 'in_flight' AND lease_owner = ?`, [...values, ...part, owner]);
        changed += res.changes;
      }
      return changed;
    },

    async reclaimExpired(now) {
      const res = await q.run(
        `UPDATE records SET state = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = ?
          WHERE state = 'in_flight' AND lease_until < ?`,
        [now, now],
      );
      return res.changes;
    },

    async leaseOwners() {
      const rows = await q.all<{ lease_owner: string }>(`SELECT DISTINCT lease_owner FROM records WHERE state = 'in_flight' AND lease_owner IS NOT NULL`);
      return rows.map((r) => r.lease_owner);
    },

    async reclaimOwner(owner, now) {
      const res = await q.run(`UPDATE records SET state = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE state = 'in_flight' AND lease_owner = ?`, [
        now,
        owner,
      ]);
      return res.changes;
    },

    async releaseClaim(owner, claimedAt, now) {
      const res = await q.run(
        `UPDATE records SET state = 'pending', lease_owner = NULL, lease_until = NULL, updated_at = ?
          WHERE state = 'in_flight' AND lease_owner = ? AND updated_at = ?`,
        [now, owner, claimedAt],
      );
      return res.changes;
    },

    async renewLeases(owner, leaseUntil, renewBefore) {
      await q.run(`UPDATE records SET lease_until = ? WHERE state = 'in_flight' AND lease_owner = ? AND lease_until < ?`, [leaseUntil, owner, renewBefore]);
    },

    async recordStates(eventSeqs) {
      const rows: { event_seq: number; generation: number; state: string }[] = [];
      for (const part of chunks(eventSeqs)) {
        rows.push(
          ...(q.dialect === 'postgres'
            ? await q.all<{ event_seq: number; generation: number; state: string }>(PG_RECORD_STATES_SQL, [JSON.stringify(part)])
            : await q.all<{ event_seq: number; generation: number; state: string }>(
                `SELECT event_seq, generation, state FROM records WHERE event_seq IN (${marks(part.length)})`,
                part,
              )),
        );
      }
      return rows;
    },

    async setEventStatus(eventSeqs, status) {
      for (const part of chunks(eventSeqs)) {
        await q.run(`UPDATE events SET status = ? WHERE seq IN (${marks(part.length)}) AND status NOT IN ('received', 'quarantined') AND status <> ?`, [status, ...part, status]);
      }
    },

    async markEventsLate(eventSeqs) {
      for (const part of chunks(eventSeqs)) {
        await q.run(`UPDATE events SET late = 1 WHERE seq IN (${marks(part.length)}) AND late = 0`, part);
      }
    },
  };
}
