import type { DatabaseTarget } from '../config.js';
import { StoreUnavailableError } from '../errors.js';
import type { Db, Queryable } from './db.js';
import { applyMigrations, pendingMigrations } from './migrations/migration.js';
import { openPostgresDb } from './postgres/postgres-db.js';
import { createAppsRepo, type AppsRepo } from './repos/apps-repo.js';
import { createDeliveryStore, type DeliveryStore } from './repos/delivery-store.js';
import { createIntegrationsRepo, type IntegrationsRepo } from './repos/integrations-repo.js';
import { createMetaRepo, type MetaRepo } from './repos/meta-repo.js';
import { openSqliteDb } from './sqlite/sqlite-db.js';
import type { WritePriority } from './sqlite/write-priority.js';

/**
 * The narrow, batch-first storage interface. Each resource is a repository built on a
 * Queryable, so the same repositories run on the database or inside a transaction (`tx`).
 */
export interface Repos {
  meta: MetaRepo;
  apps: AppsRepo;
  integrations: IntegrationsRepo;
}

export interface Store extends Repos {
  readonly dialect: Db['dialect'];
  /** The raw database, for repositories and the few places that need a dialect-specific path. */
  readonly db: Db;
  /** SQLite: the write priority this process's threads share (see `WritePriority`); null on PostgreSQL. */
  readonly sqliteWritePriority: WritePriority | null;
  /** The delivery engine's repositories, transactions and wake-up channel. */
  readonly delivery: DeliveryStore;
  /** Runs `fn` in one transaction with repositories bound to it. */
  tx<T>(fn: (repos: Repos, q: Queryable) => Promise<T>): Promise<T>;
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
  };
}

export interface OpenStoreOptions {
  /** PostgreSQL pool size. */
  maxConnections?: number;
  /** SQLite, in another thread of the process: the main thread's `sqliteWritePriority.shared`. */
  sqliteWritePriority?: SharedArrayBuffer;
}

function openDb(target: DatabaseTarget, opts: OpenStoreOptions): { db: Db; writePriority: WritePriority | null } {
  if (target.dialect === 'sqlite') {
    const db = openSqliteDb(target.path, opts.sqliteWritePriority ? { writePriority: opts.sqliteWritePriority } : {});
    return { db, writePriority: db.writePriority };
  }
  const db = openPostgresDb({ url: target.url, schema: target.schema, ...(opts.maxConnections ? { maxConnections: opts.maxConnections } : {}) });
  return { db, writePriority: null };
}

export function openStore(target: DatabaseTarget, opts: OpenStoreOptions = {}): Store {
  const { db, writePriority } = openDb(target, opts);
  return {
    dialect: db.dialect,
    db,
    sqliteWritePriority: writePriority,
    delivery: createDeliveryStore(db),
    ...createRepos(db),
    tx: (fn) => db.transaction((q) => fn(createRepos(q), q)),
    migrate: () => applyMigrations(db),
    pendingMigrations: () => pendingMigrations(db),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006']);

/** True when an error means "the database cannot be reached now" rather than a bug. */
export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
  if (e.code?.startsWith('SQLITE_IOERR')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|The database connection is not open|Cannot use a pool after calling end/i.test(e.message ?? '');
}
