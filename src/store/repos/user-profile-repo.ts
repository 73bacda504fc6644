import type { UserProperties } from '../../state/index.js';
import type { Queryable } from '../db.js';
import { chunk, placeholders } from './state-repo.js';

/** One stored user state with its raw properties, whether or not the user is marked stale. */
export interface UserSnapshotRow {
  environment: string;
  /** The parsed `state_json` (src/state UserState). */
  state: unknown;
  /** `properties_json`: the properties processing derived last. */
  properties: UserProperties;
  /** True while CleverTap may not hold them (a profile record of theirs ended failed or skipped). */
  stale: boolean;
}

/** A profile record of the user's that is not delivered yet. */
export interface OpenProfileRecord {
  id: number;
  eventId: string;
  state: string;
  attempts: number;
  createdAt: number;
  holdUntil: number | null;
  lastMessage: string | null;
}

/** The user's latest delivered profile record. */
export interface DeliveredProfile {
  id: number;
  body: unknown;
  deliveredAt: number | null;
}

/** Where one user's profile records go: app, user key, environment ('' for none) and target. */
export interface ProfileStream {
  appId: string;
  userKey: string;
  environment: string;
  target: string;
}

/**
 * Reads around one user's CleverTap profile: the stored snapshot, the profile records sent and
 * waiting, the ids and identifiers records carried; and the one write a resend makes to
 * `user_states` (clearing the stale mark). Records match a state by
 * `COALESCE(environment, '')`, as processing keys states.
 */
export interface UserProfileRepo {
  /** Every state the user has in the app (one per environment). */
  snapshots(appId: string, userKey: string): Promise<UserSnapshotRow[]>;
  latestDeliveredProfile(stream: ProfileStream): Promise<DeliveredProfile | null>;
  /** Profile records held, pending or in flight, oldest first, at most `limit`. */
  openProfileRecords(stream: ProfileStream, limit: number): Promise<OpenProfileRecord[]>;
  /** `user_id` and `anonymous_user_id` of the user's latest record in the environment, if any. */
  latestRecordIds(appId: string, userKey: string, environment: string): Promise<{ userId: string | null; anonymousUserId: string | null } | null>;
  /** True when an event or record of the app carries `userKey` as its `user_id`. */
  seenAsUserId(appId: string, userKey: string): Promise<boolean>;
  /** True when an event of the app carries `userKey` as its `anonymous_user_id`. */
  seenAsAnonymousId(appId: string, userKey: string): Promise<boolean>;
  /** Every distinct identifier (`identifier_json`) records of these user keys were sent with. */
  sentIdentifiers(appId: string, userKeys: readonly string[]): Promise<string[]>;
  /** The id of the user's newest record, or null. */
  lastRecordId(appId: string, userKey: string): Promise<number | null>;
  /**
   * Makes a record belong to no event: `event_seq` becomes minus its id (no event has a
   * negative seq), so delivery's event-status upkeep finds it alone and changes no event.
   */
  detachFromEvents(recordId: number): Promise<void>;
  /** The user's profile record states the whole snapshot: clears the stale mark. */
  clearProfileStale(appId: string, environment: string, userKey: string): Promise<void>;
}

const OPEN_STATES = "('held', 'pending', 'in_flight')";

export function createUserProfileRepo(q: Queryable): UserProfileRepo {
  return {
    async snapshots(appId, userKey) {
      const rows = await q.all<{ environment: string; state_json: string; properties_json: string; profile_stale: number }>(
        'SELECT environment, state_json, properties_json, profile_stale FROM user_states WHERE app_id = ? AND user_key = ? ORDER BY environment',
        [appId, userKey],
      );
      return rows.map((r) => ({
        environment: r.environment,
        state: JSON.parse(r.state_json) as unknown,
        properties: JSON.parse(r.properties_json) as UserProperties,
        stale: Number(r.profile_stale) === 1,
      }));
    },

    async latestDeliveredProfile(s) {
      const row = await q.get<{ id: number; body_json: string; delivered_at: number | null }>(
        `SELECT id, body_json, delivered_at FROM records
          WHERE app_id = ? AND user_key = ? AND kind = 'profile' AND state = 'delivered' AND target = ? AND COALESCE(environment, '') = ?
          ORDER BY id DESC LIMIT 1`,
        [s.appId, s.userKey, s.target, s.environment],
      );
      if (!row) return null;
      return { id: Number(row.id), body: JSON.parse(row.body_json) as unknown, deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at) };
    },

    async openProfileRecords(s, limit) {
      const rows = await q.all<{ id: number; event_id: string; state: string; attempts: number; created_at: number; hold_until: number | null; last_message: string | null }>(
        `SELECT id, event_id, state, attempts, created_at, hold_until, last_message FROM records
          WHERE app_id = ? AND user_key = ? AND kind = 'profile' AND state IN ${OPEN_STATES} AND target = ? AND COALESCE(environment, '') = ?
          ORDER BY id LIMIT ?`,
        [s.appId, s.userKey, s.target, s.environment, limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        eventId: r.event_id,
        state: r.state,
        attempts: Number(r.attempts),
        createdAt: Number(r.created_at),
        holdUntil: r.hold_until === null ? null : Number(r.hold_until),
        lastMessage: r.last_message,
      }));
    },

    async latestRecordIds(appId, userKey, environment) {
      const row = await q.get<{ user_id: string | null; anonymous_user_id: string | null }>(
        `SELECT user_id, anonymous_user_id FROM records
          WHERE app_id = ? AND user_key = ? AND COALESCE(environment, '') = ? ORDER BY id DESC LIMIT 1`,
        [appId, userKey, environment],
      );
      return row ? { userId: row.user_id, anonymousUserId: row.anonymous_user_id } : null;
    },

    async seenAsUserId(appId, userKey) {
      const event = await q.get<{ one: number }>('SELECT 1 AS one FROM events WHERE app_id = ? AND user_id = ? LIMIT 1', [appId, userKey]);
      if (event) return true;
      const record = await q.get<{ one: number }>('SELECT 1 AS one FROM records WHERE app_id = ? AND user_id = ? LIMIT 1', [appId, userKey]);
      return record !== undefined;
    },

    async seenAsAnonymousId(appId, userKey) {
      const event = await q.get<{ one: number }>('SELECT 1 AS one FROM events WHERE app_id = ? AND anonymous_user_id = ? LIMIT 1', [appId, userKey]);
      return event !== undefined;
    },

    async sentIdentifiers(appId, userKeys) {
      const found = new Set<string>();
      for (const part of chunk([...new Set(userKeys)], 300)) {
        const list = placeholders(part.length);
        const rows = await q.all<{ identifier_json: string }>(
          `SELECT DISTINCT identifier_json FROM records
            WHERE app_id = ? AND identifier_json IS NOT NULL
              AND (user_key IN (${list}) OR user_id IN (${list}) OR anonymous_user_id IN (${list}))`,
          [appId, ...part, ...part, ...part],
        );
        for (const r of rows) found.add(r.identifier_json);
      }
      return [...found];
    },

    async lastRecordId(appId, userKey) {
      const row = await q.get<{ id: number | null }>('SELECT MAX(id) AS id FROM records WHERE app_id = ? AND user_key = ?', [appId, userKey]);
      return row?.id == null ? null : Number(row.id);
    },

    async detachFromEvents(recordId) {
      await q.run('UPDATE records SET event_seq = ? WHERE id = ?', [-recordId, recordId]);
    },

    async clearProfileStale(appId, environment, userKey) {
      await q.run('UPDATE user_states SET profile_stale = 0 WHERE app_id = ? AND environment = ? AND user_key = ? AND profile_stale <> 0', [appId, environment, userKey]);
    },
  };
}
