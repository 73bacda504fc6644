/**
 * The delivery engine's view of the store: the outbox, account and attempt repositories on the
 * database, the two transactions it runs (a claim, serialised per app across instances; the
 * bookkeeping of an answer), and the wake-up channel that starts sending without a poll.
 * Dialect differences (the claim lock, `LISTEN/NOTIFY`) stay here.
 */
import type { Db, Queryable } from '../db.js';
import { createAccountsRepo, type AccountsRepo } from './accounts-repo.js';
import { createAttemptsRepo, type AttemptsRepo } from './attempts-repo.js';
import { createDeliveryRepo, type DeliveryRepo } from './delivery-repo.js';
import { createStateRepo } from './state-repo.js';

/** The repositories of one delivery transaction. */
export interface DeliveryTx {
  records: DeliveryRepo;
  accounts: AccountsRepo;
  attempts: AttemptsRepo;
  /** CleverTap refused these records for good: their users' next event sends the whole profile. */
  forgetSentProfiles(recordIds: readonly number[]): Promise<void>;
}

export interface DeliveryStore {
  /** Outside transactions. */
  readonly records: DeliveryRepo;
  readonly accounts: AccountsRepo;
  /**
   * A claim of records of these apps: on PostgreSQL the claims of one app run one at a time
   * across instances (a transaction-scoped advisory lock), so two instances never see each
   * other's records of one user as still pending and send them side by side.
   */
  claim<T>(appIds: readonly string[], fn: (tx: DeliveryTx) => Promise<T>): Promise<T>;
  /** The bookkeeping of one answer, in one transaction. */
  tx<T>(fn: (tx: DeliveryTx) => Promise<T>): Promise<T>;
  /**
   * Records may be ready to send: wakes the delivery engine of this process, and on PostgreSQL
   * of every instance. `records` (the default) for records written or released from a hold;
   * `accounts` when an account's state or credentials changed (a resume, a settings save, a
   * probe), so the engines re-read the accounts first. Never throws.
   */
  wake(what?: DeliveryWake): void;
  /** Calls `fn` on each wake-up; returns the unsubscribe. */
  onWake(fn: (what: DeliveryWake) => void): () => void;
}

/** PostgreSQL advisory lock class of the claims (see `claim`). */
const CLAIM_LOCK_CLASS = 0x70636263; // "pcbc"
/** What a wake-up is about (see `DeliveryStore.wake`). */
export type DeliveryWake = 'records' | 'accounts';
const WAKE_CHANNELS: Record<DeliveryWake, string> = { records: 'delivery_records', accounts: 'delivery_accounts' };

function deliveryTx(q: Queryable): DeliveryTx {
  const state = createStateRepo(q);
  return {
    records: createDeliveryRepo(q),
    accounts: createAccountsRepo(q),
    attempts: createAttemptsRepo(q),
    forgetSentProfiles: (ids) => state.forgetSentProfiles(ids),
  };
}

export function createDeliveryStore(db: Db): DeliveryStore {
  return {
    records: createDeliveryRepo(db),
    accounts: createAccountsRepo(db),
    // Delivery state is not an acknowledgement to anyone: a commit lost to a power cut (never to
    // a process crash) only means records are sent again, which CleverTap's event_id lets one
    // spot. Hence no fsync wait (`durable: false`).
    claim: (appIds, fn) =>
      db.transaction(
        async (q) => {
          if (q.dialect === 'postgres') {
            for (const appId of [...new Set(appIds)].sort()) await q.run(`SELECT pg_advisory_xact_lock(?, hashtext(?))`, [CLAIM_LOCK_CLASS, appId]);
          }
          return fn(deliveryTx(q));
        },
        { durable: false },
      ),
    tx: (fn) => db.transaction((q) => fn(deliveryTx(q)), { durable: false }),
    wake(what = 'records') {
      void db.notify(WAKE_CHANNELS[what]).catch(() => undefined);
    },
    onWake(fn) {
      const stops = (Object.keys(WAKE_CHANNELS) as DeliveryWake[]).map((what) => db.listen(WAKE_CHANNELS[what], () => fn(what)));
      return () => {
        for (const stop of stops) stop();
      };
    },
  };
}
