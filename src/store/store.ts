import type { DatabaseTarget } from '../config.js';
import { StoreUnavailableError } from '../errors.js';
import type { Db, Queryable, TransactionOptions } from './db.js';
import { applyMigrations, pendingMigrations } from './migrations/migration.js';
import { openPostgresDb } from './postgres/postgres-db.js';
import { createAccountsRepo, type AccountsRepo } from './repos/accounts-repo.js';
import { createAppsRepo, type AppsRepo } from './repos/apps-repo.js';
import { createAttributesRepo, type AttributesRepo } from './repos/attributes-repo.js';
import { createDryRunsRepo, type DryRunsRepo } from './repos/dry-runs-repo.js';
import { createErasureRepo, type ErasureRepo } from './repos/erasure-repo.js';
import { createEventsRepo, createTransactionalBatchWriter, type EventBatchWriter, type EventRowBuilder, type EventsRepo } from './repos/events-repo.js';
import { createDeliveryStore, type DeliveryStore } from './repos/delivery-store.js';
import { createIntegrationsRepo, type IntegrationsRepo } from './repos/integrations-repo.js';
import { createMetaRepo, type MetaRepo } from './repos/meta-repo.js';
import { createMetricsRepo, type MetricsRepo } from './repos/metrics-repo.js';
import { createOutboxRepo, type OutboxRepo } from './repos/outbox-repo.js';
import { createProcessingRepo, type ProcessingRepo } from './repos/processing-repo.js';
import { createReconcileRepo, type ReconcileRepo } from './repos/reconcile-repo.js';
import { createRejectionsRepo, type RejectionsRepo } from './repos/rejections-repo.js';
import { createReplayRepo, type ReplayRepo } from './repos/replay-repo.js';
import { createSessionsRepo, type SessionsRepo } from './repos/sessions-repo.js';
import { createStateRepo, type StateRepo } from './repos/state-repo.js';
import { createStatsRepo, type StatsRepo } from './repos/stats-repo.js';
import { createUserProfileRepo, type UserProfileRepo } from './repos/user-profile-repo.js';
import { openSqliteDb } from './sqlite/sqlite-db.js';
import { startSqliteIngestThread, type SqliteIngestThread } from './sqlite/sqlite-ingest-thread.js';
import type { WritePriority } from './sqlite/write-priority.js';

/**
 * The narrow, batch-first storage interface. Each resource is a repository built on a
 * Queryable, so the same repositories run on the database (`store.events`…) or inside a
 * transaction (`store.transaction(async (tx) => { tx.events… })`).
 */
export interface Repos {
  meta: MetaRepo;
  apps: AppsRepo;
  integrations: IntegrationsRepo;
  /** The event log: webhook inserts, backfill inserts, the log's reads. */
  events: EventsRepo;
  /** Processing's queue of received events and its lock. */
  processing: ProcessingRepo;
  /** User and subscription states (the folds' input and output). */
  state: StateRepo;
  /** Records written by processing, held records and their release. */
  outbox: OutboxRepo;
  /** CleverTap IDs set through the attributes API. */
  attributes: AttributesRepo;
  /** A user's profile as delivered: snapshots, profile records, identifiers sent. */
  userProfiles: UserProfileRepo;
  /** Per-account delivery state (authentication pause, concurrency, slots). */
  accounts: AccountsRepo;
  /** The reads behind /metrics. */
  metrics: MetricsRepo;
  /** Refused webhook requests. */
  rejections: RejectionsRepo;
  /** Dashboard sessions. */
  sessions: SessionsRepo;
  /** The dry-run rate limit. */
  dryRuns: DryRunsRepo;
  /** Reads of the profile reconciliation. */
  reconcile: ReconcileRepo;
  /** The reads behind an app's stats. */
  stats: StatsRepo;
  /** The writes of a privacy erasure. */
  erasure: ErasureRepo;
  /** Replay's reads of the event log and its requeue. */
  replay: ReplayRepo;
}

/**
 * How background processing paces itself on this database. SQLite has one writer: a
 * processing transaction holds the write lock (and, in the same thread, the event loop)
 * until it commits, so batches are smaller, bounded in time, and short while webhooks are
 * arriving. On PostgreSQL nobody waits for a processing commit, so batches are larger and
 * a long one lets other work in between events instead.
 */
export interface ProcessingPacing {
  /** Events per processing transaction, unless the caller says otherwise. */
  batchSize: number;
  /** Time budget of one processing transaction in ms (at least one event is processed), or none. */
  batchBudgetMs: number | undefined;
  /** Whether processing takes short slices while webhooks are arriving (they wait for the same write lock). */
  yieldsToIngest: boolean;
  /** Whether a long processing transaction lets the event loop in every few milliseconds. */
  yieldsWithinTransaction: boolean;
}

const PROCESSING_PACING: Record<Db['dialect'], ProcessingPacing> = {
  sqlite: { batchSize: 200, batchBudgetMs: 150, yieldsToIngest: true, yieldsWithinTransaction: false },
  postgres: { batchSize: 500, batchBudgetMs: undefined, yieldsToIngest: false, yieldsWithinTransaction: true },
};

export interface Store extends Repos {
  readonly dialect: Db['dialect'];
  /**
   * The raw database, for the store's own modules and tests. Code outside `src/store/` reaches
   * the data through the repositories; a query it needs becomes a repository method.
   */
  readonly db: Db;
  /** SQLite: the write priority this process's threads share (see `WritePriority`); null on PostgreSQL. */
  readonly sqliteWritePriority: WritePriority | null;
  /** The delivery engine's repositories, transactions and wake-up channel. */
  readonly delivery: DeliveryStore;
  /** How processing paces itself on this database (see `ProcessingPacing`). */
  readonly processingPacing: ProcessingPacing;
  /**
   * Runs `fn` in one transaction; `tx` is the same repository bundle as the store's, bound to
   * it. Commits when `fn` resolves, rolls back when it throws. `opts`: see `TransactionOptions`.
   */
  transaction<T>(fn: (tx: Repos) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * As `transaction`, also handing over the transaction's raw queryable. Only for code that
   * still sends SQL of its own and is being moved into repositories; use `transaction`.
   */
  tx<T>(fn: (repos: Repos, q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Where webhook events are committed, in batches, parsed by `builder`. On a SQLite file: a
   * thread with a connection of its own, which parses too (started by the first call, whose
   * builder it keeps; closed with the store); otherwise `tx`.
   */
  ingestWriter(builder?: EventRowBuilder): EventBatchWriter;
  migrate(): Promise<number[]>;
  pendingMigrations(): Promise<number[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createRepos(q: Queryable): Repos {
  return {
    meta: createMetaRepo(q),
    apps: createAppsRepo(q),
    integrations: createIntegrationsRepo(q),
    events: createEventsRepo(q),
    processing: createProcessingRepo(q),
    state: createStateRepo(q),
    outbox: createOutboxRepo(q),
    attributes: createAttributesRepo(q),
    userProfiles: createUserProfileRepo(q),
    accounts: createAccountsRepo(q),
    metrics: createMetricsRepo(q),
    rejections: createRejectionsRepo(q),
    sessions: createSessionsRepo(q),
    dryRuns: createDryRunsRepo(q),
    reconcile: createReconcileRepo(q),
    stats: createStatsRepo(q),
    erasure: createErasureRepo(q),
    replay: createReplayRepo(q),
  };
}

export interface OpenStoreOptions {
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /** SQLite, in another thread of the process: the main thread's `sqliteWritePriority.shared`. */
  sqliteWritePriority?: SharedArrayBuffer;
  /** SQLite file, main thread of a long-running process: checkpoint the WAL from a worker thread (see `wal-checkpointer.ts`). */
  sqliteCheckpointWorker?: boolean;
}

function openDb(target: DatabaseTarget, opts: OpenStoreOptions): { db: Db; writePriority: WritePriority | null } {
  if (target.dialect === 'sqlite') {
    const db = openSqliteDb(target.path, opts.sqliteWritePriority ? { writePriority: opts.sqliteWritePriority } : { checkpointWorker: opts.sqliteCheckpointWorker === true });
    return { db, writePriority: db.writePriority };
  }
  const db = openPostgresDb({ url: target.url, schema: target.schema, ...(opts.maxConnections ? { maxConnections: opts.maxConnections } : {}) });
  return { db, writePriority: null };
}

export function openStore(target: DatabaseTarget, opts: OpenStoreOptions = {}): Store {
  const { db, writePriority } = openDb(target, opts);
  let ingest: EventBatchWriter | null = null;
  let ingestThread: SqliteIngestThread | null = null;
  return {
    dialect: db.dialect,
    db,
    sqliteWritePriority: writePriority,
    processingPacing: PROCESSING_PACING[db.dialect],
    delivery: createDeliveryStore(db),
    ...createRepos(db),
    transaction: (fn, opts) => db.transaction((q) => fn(createRepos(q)), opts),
    tx: (fn) => db.transaction((q) => fn(createRepos(q), q)),
    ingestWriter(builder) {
      if (ingest) return ingest;
      // A thread cannot share `:memory:` (or a `file:` URI's options): those stay on this connection.
      const file = target.dialect === 'sqlite' && target.path !== ':memory:' && !target.path.startsWith('file:') ? target.path : null;
      if (file !== null && writePriority) ingest = ingestThread = startSqliteIngestThread(file, writePriority, builder ?? null);
      else ingest = createTransactionalBatchWriter(db.transaction, db.dialect === 'sqlite' ? 1 : 4, builder ?? null);
      return ingest;
    },
    migrate: () => applyMigrations(db),
    pendingMigrations: () => pendingMigrations(db),
    ping: () => db.ping(),
    async close() {
      await ingestThread?.close();
      await db.close();
    },
  };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
]);

/** True when an error means "the database cannot be reached now" rather than a bug. */
export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.code?.startsWith('SQLITE_IOERR')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|The database connection is not open|Cannot use a pool after calling end/i.test(e.message ?? '');
}
