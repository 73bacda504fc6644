/**
 * Per-account delivery state shared by every instance (migration 002): authentication pause,
 * adaptive concurrency, 429 back-off, and the `account_slots` leases that bound requests in
 * flight per account across all instances together.
 */
import type { Queryable } from '../db.js';

/** Slot rows created per account: CleverTap's own cap, the most `PCBRIDGE_CLEVERTAP_CONCURRENCY` allows. */
export const MAX_SLOTS = 15;

/** An account's shared state. */
export interface AccountState {
  accountKey: string;
  authState: 'ok' | 'auth_failed';
  authFailedAt: number | null;
  credentialsDigest: string | null;
  /** Lowered after a 429; null = never lowered (the configured value). */
  concurrencyLimit: number | null;
  throttledUntil: number | null;
  nextProbeAt: number | null;
  updatedAt: number;
}

interface DbAccount {
  account_key: string;
  auth_state: string;
  auth_failed_at: number | null;
  credentials_digest: string | null;
  concurrency_limit: number | null;
  throttled_until: number | null;
  next_probe_at: number | null;
  updated_at: number;
}

function fromDb(row: DbAccount): AccountState {
  return {
    accountKey: row.account_key,
    authState: row.auth_state === 'auth_failed' ? 'auth_failed' : 'ok',
    authFailedAt: row.auth_failed_at,
    credentialsDigest: row.credentials_digest,
    concurrencyLimit: row.concurrency_limit,
    throttledUntil: row.throttled_until,
    nextProbeAt: row.next_probe_at,
    updatedAt: row.updated_at,
  };
}

export interface AccountsRepo {
  /** Creates the account row and its slot rows when missing. */
  ensure(accountKey: string, now: number): Promise<void>;
  list(): Promise<AccountState[]>;
  get(accountKey: string): Promise<AccountState | null>;
  /**
   * New credentials were saved for the account: clears an `auth_failed` pause (and its probe),
   * so delivery resumes with them. True when the account was paused.
   */
  resumeWithNewCredentials(accountKey: string, now: number): Promise<boolean>;
  /** Pauses the account: its credentials (by digest) were refused. */
  markAuthFailed(accountKey: string, digest: string, now: number, nextProbeAt: number): Promise<void>;
  /** Lifts a pause (credentials changed, resume called, probe succeeded). */
  markAuthOk(accountKey: string, now: number): Promise<boolean>;
  /** Takes the right to probe now (one instance wins); true when this caller should probe. */
  claimProbe(accountKey: string, now: number, nextProbeAt: number): Promise<boolean>;
  /** 429: stores the lowered limit and the back-off, unless a back-off is already running. */
  throttle(accountKey: string, limit: number, until: number, now: number): Promise<void>;
  /** Success: raises the limit by one when the last change is older than `windowStart`. */
  raiseLimit(accountKey: string, configured: number, windowStart: number, now: number): Promise<void>;
  /** True when a slot below `limit` is free (a plain read; `acquireSlot` decides). */
  hasFreeSlot(accountKey: string, limit: number, now: number): Promise<boolean>;
  /** Takes a free slot below `limit` for `holder`; the slot number, or null when all are taken. */
  acquireSlot(accountKey: string, limit: number, holder: string, leaseUntil: number, now: number): Promise<number | null>;
  releaseSlot(accountKey: string, slot: number, holder: string): Promise<void>;
  renewSlots(holder: string, leaseUntil: number): Promise<void>;
  /** Holders of slots whose lease has not run out. */
  slotHolders(now: number): Promise<string[]>;
  /** Frees every slot of `holder` (known to be dead). */
  releaseHolder(holder: string): Promise<void>;
}

export function createAccountsRepo(q: Queryable): AccountsRepo {
  return {
    async ensure(accountKey, now) {
      await q.run(`INSERT INTO accounts (account_key, auth_state, updated_at) VALUES (?, 'ok', ?) ON CONFLICT (account_key) DO NOTHING`, [accountKey, now]);
      const values = Array.from({ length: MAX_SLOTS }, () => '(?, ?)').join(',');
      const params = Array.from({ length: MAX_SLOTS }, (_, i) => [accountKey, i]).flat();
      await q.run(`INSERT INTO account_slots (account_key, slot) VALUES ${values} ON CONFLICT (account_key, slot) DO NOTHING`, params);
    },

    async list() {
      return (await q.all<DbAccount>(`SELECT * FROM accounts ORDER BY account_key`)).map(fromDb);
    },

    async get(accountKey) {
      const row = await q.get<DbAccount>(`SELECT * FROM accounts WHERE account_key = ?`, [accountKey]);
      return row ? fromDb(row) : null;
    },

    async resumeWithNewCredentials(accountKey, now) {
      const res = await q.run(
        `UPDATE accounts SET auth_state = 'ok', auth_failed_at = NULL, next_probe_at = NULL, updated_at = ?
         WHERE account_key = ? AND auth_state <> 'ok'`,
        [now, accountKey],
      );
      return res.changes > 0;
    },

    async markAuthFailed(accountKey, digest, now, nextProbeAt) {
      await q.run(
        `UPDATE accounts SET auth_state = 'auth_failed', auth_failed_at = ?, credentials_digest = ?, next_probe_at = ?, updated_at = ?
          WHERE account_key = ?`,
        [now, digest, nextProbeAt, now, accountKey],
      );
    },

    async markAuthOk(accountKey, now) {
      const res = await q.run(`UPDATE accounts SET auth_state = 'ok', next_probe_at = NULL, updated_at = ? WHERE account_key = ? AND auth_state <> 'ok'`, [now, accountKey]);
      return res.changes > 0;
    },

    async claimProbe(accountKey, now, nextProbeAt) {
      const res = await q.run(`UPDATE accounts SET next_probe_at = ? WHERE account_key = ? AND auth_state = 'auth_failed' AND (next_probe_at IS NULL OR next_probe_at <= ?)`, [
        nextProbeAt,
        accountKey,
        now,
      ]);
      return res.changes > 0;
    },

    async throttle(accountKey, limit, until, now) {
      await q.run(
        `UPDATE accounts SET concurrency_limit = ?, throttled_until = ?, updated_at = ?
          WHERE account_key = ? AND (throttled_until IS NULL OR throttled_until <= ?)`,
        [limit, until, now, accountKey, now],
      );
    },

    async raiseLimit(accountKey, configured, windowStart, now) {
      await q.run(
        `UPDATE accounts SET concurrency_limit = concurrency_limit + 1, updated_at = ?
          WHERE account_key = ? AND concurrency_limit IS NOT NULL AND concurrency_limit < ? AND updated_at <= ?
            AND (throttled_until IS NULL OR throttled_until <= ?)`,
        [now, accountKey, configured, windowStart, now],
      );
    },

    async hasFreeSlot(accountKey, limit, now) {
      const free = await q.get<{ slot: number }>(`SELECT slot FROM account_slots WHERE account_key = ? AND slot < ? AND (holder IS NULL OR lease_until < ?) LIMIT 1`, [
        accountKey,
        limit,
        now,
      ]);
      return free !== undefined;
    },

    async acquireSlot(accountKey, limit, holder, leaseUntil, now) {
      const free = await q.all<{ slot: number }>(`SELECT slot FROM account_slots WHERE account_key = ? AND slot < ? AND (holder IS NULL OR lease_until < ?) ORDER BY slot`, [
        accountKey,
        limit,
        now,
      ]);
      for (const { slot } of free) {
        // Conditional update: on PostgreSQL another instance may have taken it since the SELECT.
        const res = await q.run(`UPDATE account_slots SET holder = ?, lease_until = ? WHERE account_key = ? AND slot = ? AND (holder IS NULL OR lease_until < ?)`, [
          holder,
          leaseUntil,
          accountKey,
          slot,
          now,
        ]);
        if (res.changes === 1) return slot;
      }
      return null;
    },

    async releaseSlot(accountKey, slot, holder) {
      await q.run(`UPDATE account_slots SET holder = NULL, lease_until = NULL WHERE account_key = ? AND slot = ? AND holder = ?`, [accountKey, slot, holder]);
    },

    async slotHolders(now) {
      const rows = await q.all<{ holder: string }>(`SELECT DISTINCT holder FROM account_slots WHERE holder IS NOT NULL AND lease_until >= ?`, [now]);
      return rows.map((r) => r.holder);
    },

    async releaseHolder(holder) {
      await q.run(`UPDATE account_slots SET holder = NULL, lease_until = NULL WHERE holder = ?`, [holder]);
    },

    async renewSlots(holder, leaseUntil) {
      await q.run(`UPDATE account_slots SET lease_until = ? WHERE holder = ?`, [leaseUntil, holder]);
    },
  };
}
