import type { SubscriptionState, UserProperties, UserState } from '../state/index.js';
import type { StateRepo, SubscriptionStateRow, UserStateRow, UserStateWrite } from '../store/repos/state-repo.js';

/** Where a state lives: one app, one environment (`''` when the event named none). */
export interface Scope {
  appId: string;
  environment: string;
}

/**
 * The states one batch of events reads and writes, loaded in bulk up front and on demand
 * after, kept in memory while the batch folds, then written back with multi-row upserts.
 * The in-memory copy is authoritative once loaded: a row read again from the database (for
 * an owner lookup) never replaces a copy this batch already changed.
 */
export interface BatchState {
  /** Loads, in a few queries, the users and subscriptions a list of events will touch. */
  prefetch(scope: Scope, userKeys: readonly string[], subscriptionIds: readonly string[]): Promise<void>;
  getUser(scope: Scope, userKey: string): Promise<UserStateRow | null>;
  getSubscription(scope: Scope, subscriptionId: string): Promise<SubscriptionStateRow | null>;
  /** Every subscription `userKey` owns now (stored owners, corrected by this batch's changes). */
  ownedSubscriptions(scope: Scope, userKey: string): Promise<SubscriptionState[]>;
  /** `properties` null keeps the user stale: CleverTap may not hold any snapshot of theirs. */
  putUser(scope: Scope, userKey: string, state: UserState, properties: UserProperties | null): void;
  /** This batch wrote a profile record stating the user's whole snapshot: the stale mark goes. */
  markProfileWritten(scope: Scope, userKey: string): void;
  putSubscription(scope: Scope, subscriptionId: string, state: SubscriptionState, owner: string | null): void;
  /** Writes every changed state back. */
  flush(): Promise<void>;
}

const SEP = '\u0000';
const keyOf = (scope: Scope, key: string) => `${scope.appId}${SEP}${scope.environment}${SEP}${key}`;

export function createBatchState(repo: StateRepo): BatchState {
  const users = new Map<string, UserStateRow | null>();
  const subs = new Map<string, SubscriptionStateRow | null>();
  const ownersLoaded = new Set<string>();
  const ownerIndex = new Map<string, Set<string>>();
  const dirtyUsers = new Set<string>();
  const dirtySubs = new Set<string>();
  const profilesWritten = new Set<string>();

  function index(row: SubscriptionStateRow, previousOwner: string | null): void {
    const scope = { appId: row.appId, environment: row.environment };
    const subKey = keyOf(scope, row.subscriptionId);
    if (previousOwner !== null) ownerIndex.get(keyOf(scope, previousOwner))?.delete(subKey);
    if (row.ownerUserKey === null) return;
    const ownerKey = keyOf(scope, row.ownerUserKey);
    let set = ownerIndex.get(ownerKey);
    if (!set) ownerIndex.set(ownerKey, (set = new Set()));
    set.add(subKey);
  }

  function remember(rows: readonly SubscriptionStateRow[]): void {
    for (const row of rows) {
      const key = keyOf(row, row.subscriptionId);
      if (subs.get(key)) continue; // already held (maybe changed): keep the batch's copy
      subs.set(key, row);
      index(row, null);
    }
  }

  async function loadUsers(scope: Scope, keys: readonly string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !users.has(keyOf(scope, k)));
    if (missing.length === 0) return;
    for (const k of missing) users.set(keyOf(scope, k), null);
    for (const row of await repo.loadUsers(scope.appId, scope.environment, missing)) users.set(keyOf(scope, row.userKey), row);
  }

  async function loadOwned(scope: Scope, keys: readonly string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !ownersLoaded.has(keyOf(scope, k)));
    if (missing.length === 0) return;
    for (const k of missing) ownersLoaded.add(keyOf(scope, k));
    remember(await repo.loadOwnedSubscriptions(scope.appId, scope.environment, missing));
  }

  async function loadSubs(scope: Scope, ids: readonly string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !subs.has(keyOf(scope, id)));
    if (missing.length === 0) return;
    const rows = await repo.loadSubscriptions(scope.appId, scope.environment, missing);
    for (const id of missing) if (!subs.has(keyOf(scope, id))) subs.set(keyOf(scope, id), null);
    for (const row of rows) subs.delete(keyOf(scope, row.subscriptionId));
    remember(rows);
  }

  return {
    async prefetch(scope, userKeys, subscriptionIds) {
      await loadUsers(scope, userKeys);
      await loadSubs(scope, subscriptionIds);
      await loadOwned(scope, userKeys);
    },

    async getUser(scope, userKey) {
      await loadUsers(scope, [userKey]);
      return users.get(keyOf(scope, userKey)) ?? null;
    },

    async getSubscription(scope, subscriptionId) {
      await loadSubs(scope, [subscriptionId]);
      return subs.get(keyOf(scope, subscriptionId)) ?? null;
    },

    async ownedSubscriptions(scope, userKey) {
      await loadOwned(scope, [userKey]);
      const keys = ownerIndex.get(keyOf(scope, userKey)) ?? new Set<string>();
      const owned: SubscriptionState[] = [];
      for (const key of keys) {
        const row = subs.get(key);
        if (row) owned.push(row.state);
      }
      return owned;
    },

    putUser(scope, userKey, state, properties) {
      const key = keyOf(scope, userKey);
      users.set(key, { ...scope, userKey, state, properties });
      dirtyUsers.add(key);
    },

    markProfileWritten(scope, userKey) {
      profilesWritten.add(keyOf(scope, userKey));
    },

    putSubscription(scope, subscriptionId, state, owner) {
      const key = keyOf(scope, subscriptionId);
      const previous = subs.get(key) ?? null;
      const row: SubscriptionStateRow = { ...scope, subscriptionId, ownerUserKey: owner, state };
      subs.set(key, row);
      index(row, previous?.ownerUserKey ?? null);
      dirtySubs.add(key);
    },

    async flush() {
      const userRows: UserStateWrite[] = [];
      for (const key of dirtyUsers) {
        const row = users.get(key);
        if (row) userRows.push({ ...row, properties: row.properties ?? {}, profileWritten: profilesWritten.has(key) });
      }
      const subRows = [...dirtySubs].map((k) => subs.get(k)).filter((r): r is SubscriptionStateRow => r != null);
      if (userRows.length > 0) await repo.upsertUsers(userRows);
      if (subRows.length > 0) await repo.upsertSubscriptions(subRows);
      dirtyUsers.clear();
      dirtySubs.clear();
      profilesWritten.clear();
    },
  };
}
