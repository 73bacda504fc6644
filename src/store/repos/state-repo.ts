import type { SubscriptionState, UserProperties, UserState } from '../../state/index.js';
import type { Queryable } from '../db.js';

/** One user's stored state in one (app, environment), with the properties last derived from it. */
export interface UserStateRow {
  appId: string;
  environment: string;
  userKey: string;
  state: UserState;
  /**
   * The properties last derived, which CleverTap holds once the records written so far are
   * delivered; null when it may not hold them (`forgetSentProfiles`), so the next profile
   * record states the whole snapshot.
   */
  properties: UserProperties | null;
}

/** A user state to write, and whether this batch wrote a profile record for the user. */
export interface UserStateWrite extends UserStateRow {
  properties: UserProperties;
  /** True clears the stale mark (the record states the whole snapshot); false leaves the mark as the database has it. */
  profileWritten: boolean;
}

/** One subscription's stored state in one (app, environment), with its current owner. */
export interface SubscriptionStateRow {
  appId: string;
  environment: string;
  subscriptionId: string;
  ownerUserKey: string | null;
  state: SubscriptionState;
}

interface DbUserState {
  app_id: string;
  environment: string;
  user_key: string;
  state_json: string;
  properties_json: string;
  profile_stale: number;
}

interface DbSubscriptionState {
  app_id: string;
  environment: string;
  subscription_id: string;
  owner_user_key: string | null;
  state_json: string;
}

/**
 * The folded state of users and subscriptions (`user_states`, `subscription_states`), read and
 * written in batches: processing loads every state a batch of events needs in a few queries
 * and writes them back with multi-row upserts.
 */
export interface StateRepo {
  loadUsers(appId: string, environment: string, userKeys: readonly string[]): Promise<UserStateRow[]>;
  loadSubscriptions(appId: string, environment: string, subscriptionIds: readonly string[]): Promise<SubscriptionStateRow[]>;
  /** Every subscription whose stored owner is one of `userKeys`. */
  loadOwnedSubscriptions(appId: string, environment: string, userKeys: readonly string[]): Promise<SubscriptionStateRow[]>;
  upsertUsers(rows: readonly UserStateWrite[]): Promise<void>;
  upsertSubscriptions(rows: readonly SubscriptionStateRow[]): Promise<void>;
  /**
   * The users of these records (profile records only) may not hold their snapshot in CleverTap:
   * a profile record of theirs ended `failed` or `skipped`. They are marked stale (their
   * properties load as null), so the next event sends the whole profile even when the snapshot
   * did not change.
   */
  forgetSentProfiles(recordIds: readonly number[]): Promise<void>;
}

// Keeps every statement well under SQLite's and PostgreSQL's bound-parameter limits.
const READ_CHUNK = 500;
const WRITE_CHUNK = 200;

export function createStateRepo(q: Queryable): StateRepo {
  async function selectUsers(appId: string, environment: string, column: string, keys: readonly string[]) {
    const rows: DbUserState[] = [];
    for (const part of chunk([...new Set(keys)], READ_CHUNK)) {
      rows.push(
        ...(await q.all<DbUserState>(
          `SELECT app_id, environment, user_key, state_json, properties_json, profile_stale FROM user_states
           WHERE app_id = ? AND environment = ? AND ${column} IN (${placeholders(part.length)})`,
          [appId, environment, ...part],
        )),
      );
    }
    return rows.map(userFromDb);
  }

  async function selectSubscriptions(appId: string, environment: string, column: string, keys: readonly string[]) {
    const rows: DbSubscriptionState[] = [];
    for (const part of chunk([...new Set(keys)], READ_CHUNK)) {
      rows.push(
        ...(await q.all<DbSubscriptionState>(
          `SELECT app_id, environment, subscription_id, owner_user_key, state_json FROM subscription_states
           WHERE app_id = ? AND environment = ? AND ${column} IN (${placeholders(part.length)})`,
          [appId, environment, ...part],
        )),
      );
    }
    return rows.map(subscriptionFromDb);
  }

  return {
    loadUsers: (appId, environment, keys) => selectUsers(appId, environment, 'user_key', keys),
    loadSubscriptions: (appId, environment, ids) => selectSubscriptions(appId, environment, 'subscription_id', ids),
    loadOwnedSubscriptions: (appId, environment, keys) => selectSubscriptions(appId, environment, 'owner_user_key', keys),

    async upsertUsers(rows) {
      for (const part of chunk(rows, WRITE_CHUNK)) {
        await q.run(
          `INSERT INTO user_states (app_id, environment, user_key, state_json, properties_json, profile_stale)
           VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (app_id, environment, user_key) DO UPDATE SET
             state_json = excluded.state_json, properties_json = excluded.properties_json,
             profile_stale = CASE WHEN excluded.profile_stale = 0 THEN 0 ELSE user_states.profile_stale END`,
          // A new row without a profile record is stale: its first profile record states everything.
          part.flatMap((r) => [r.appId, r.environment, r.userKey, JSON.stringify(r.state), JSON.stringify(r.properties), r.profileWritten ? 0 : 1]),
        );
      }
    },

    async upsertSubscriptions(rows) {
      for (const part of chunk(rows, WRITE_CHUNK)) {
        await q.run(
          `INSERT INTO subscription_states (app_id, environment, subscription_id, owner_user_key, state_json)
           VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}
           ON CONFLICT (app_id, environment, subscription_id) DO UPDATE SET
             owner_user_key = excluded.owner_user_key, state_json = excluded.state_json`,
          part.flatMap((r) => [r.appId, r.environment, r.subscriptionId, r.ownerUserKey, JSON.stringify(r.state)]),
        );
      }
    },

    async forgetSentProfiles(recordIds) {
      for (const part of chunk([...new Set(recordIds)], READ_CHUNK)) {
        await q.run(
          `UPDATE user_states SET profile_stale = 1
            WHERE EXISTS (SELECT 1 FROM records r
                           WHERE r.id IN (${placeholders(part.length)}) AND r.kind = 'profile'
                             AND r.app_id = user_states.app_id AND r.user_key = user_states.user_key
                             AND COALESCE(r.environment, '') = user_states.environment)`,
          part,
        );
      }
    },
  };
}

function userFromDb(row: DbUserState): UserStateRow {
  return {
    appId: row.app_id,
    environment: row.environment,
    userKey: row.user_key,
    state: JSON.parse(row.state_json) as UserState,
    properties: Number(row.profile_stale) === 1 ? null : (JSON.parse(row.properties_json) as UserProperties),
  };
}

function subscriptionFromDb(row: DbSubscriptionState): SubscriptionStateRow {
  return {
    appId: row.app_id,
    environment: row.environment,
    subscriptionId: row.subscription_id,
    ownerUserKey: row.owner_user_key,
    state: JSON.parse(row.state_json) as SubscriptionState,
  };
}

/** `?, ?, ?` for an IN list or a VALUES row of `n` parameters (shared by the processing repos). */
export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** Splits a list into parts of at most `size` items (bound-parameter limits). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += size) parts.push(items.slice(i, i + size));
  return parts;
}
