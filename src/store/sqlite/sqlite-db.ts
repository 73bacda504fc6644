import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { createLocalChannels, toSqlValue, type Db, type Queryable, type RunResult, type SqlValue, type TransactionOptions } from '../db.js';
import { createMutex } from './mutex.js';
import { ensureSqliteFolder, explainSqliteOpenError, restrictSqliteFiles } from './sqlite-files.js';
import { MAX_RESTART_WAIT_MS, startWalCheckpointer, WRITER_SAFETY_NET_PAGES } from './wal-checkpointer.js';
import { openWritePriority, type WritePriority } from './write-priority.js';

/** How long a writer keeps trying to take the write lock before it reports SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;
/** Longest a background transaction lets foreground writers go first. */
const MAX_YIELD_MS = 200;

export interface SqliteDbOptions {
  /**
   * The process's write priority (`WritePriority.shared`) when this connection is opened in
   * another thread of it (processing, webhook ingest); a new one otherwise.
   */
  writePriority?: SharedArrayBuffer;
  /**
   * Wait for the write lock in 0.2 ms naps that block the thread (`Atomics.wait`) instead of
   * timers of 1–8 ms. For a thread that has nothing else to do meanwhile (the webhook ingest
   * thread): every webhook of its batch waits out each nap.
   */
  blockingLockWait?: boolean;
  /** Page cache of the write connection in KiB (default `PAGE_CACHE_KIB`). */
  cacheSizeKib?: number;
  /**
   * Never checkpoint the WAL inside a commit of this connection (SQLite does it in the commit
   * that crosses 1000 pages, and that commit's caller waits for it): the owner calls
   * `checkpoint()` when nobody waits (the webhook ingest thread, after answering a batch).
   */
  manualCheckpoints?: boolean;
  /**
   * Copy the WAL into the database file from a worker thread of its own (`startWalCheckpointer`),
   * never inside the commits of the process's connections (SQLite's own checkpoint stays as a
   * safety net). For the process's main connection to a file, opened before its other threads'.
   */
  checkpointWorker?: boolean;
}

/** A SQLite `Db`, with what the threads writing to the same file need to share. */
export interface SqliteDb extends Db {
  readonly writePriority: WritePriority;
  /** Copies the WAL into the database file as far as readers allow (`PRAGMA wal_checkpoint(PASSIVE)`). */
  checkpoint(): Promise<void>;
}

/**
 * SQLite through better-sqlite3: WAL, `synchronous=FULL` (each commit is fsync'd before it
 * returns, so an acknowledged webhook survives a power cut), one write connection whose
 * transactions are serialised by a mutex, and a second connection for reads outside them. The
 * files are readable by their owner only (`restrictSqliteFiles`).
 *
 * The write lock is taken with `BEGIN IMMEDIATE` tried again on a timer rather than with
 * SQLite's busy handler, which sleeps inside the call: while another connection (another
 * thread's) holds the lock, this thread's event loop keeps running.
 */
export function openSqliteDb(path: string, opts: SqliteDbOptions = {}): SqliteDb {
  let writer: SqliteDatabase;
  try {
    ensureSqliteFolder(path);
    restrictSqliteFiles(path);
    writer = new Database(path);
  } catch (err) {
    throw explainSqliteOpenError(path, err);
  }
  try {
    configure(writer, opts.cacheSizeKib ?? PAGE_CACHE_KIB);
  } catch (err) {
    writer.close();
    throw explainSqliteOpenError(path, err);
  }
  writer.pragma('busy_timeout = 0');
  const priority = openWritePriority(opts.writePriority);
  const checkpointer = opts.checkpointWorker && path !== ':memory:' && !path.startsWith('file:') ? startWalCheckpointer(path, priority) : null;
  // While the process's checkpoint worker runs, commits checkpoint only as a safety net.
  if (opts.manualCheckpoints) writer.pragma('wal_autocheckpoint = 0');
  else if (priority.checkpointWorkerRuns()) writer.pragma(`wal_autocheckpoint = ${WRITER_SAFETY_NET_PAGES}`);
  // Reads outside transactions use their own read-only connection: they never wait for the
  // writer's mutex and can never write by mistake (a write with RETURNING belongs in a transaction).
  const reader = path === ':memory:' ? writer : new Database(path, { readonly: true });
  if (reader !== writer) {
    reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    reader.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  }
  const mutex = createMutex();
  // Every writer of the file runs on this machine: wake-ups stay in the process (another
  // thread or process relies on the listeners' poll, or tells this one through its own means).
  const channels = createLocalChannels();
  const cache = new Map<SqliteDatabase, Map<string, Statement>>();

  function prepare(conn: SqliteDatabase, sql: string): Statement {
    let perConn = cache.get(conn);
    if (!perConn) cache.set(conn, (perConn = new Map()));
    let stmt = perConn.get(sql);
    if (!stmt) {
      stmt = conn.prepare(sql);
      if (perConn.size > 500) perConn.clear();
      perConn.set(sql, stmt);
    }
    return stmt;
  }

  function queryable(conn: SqliteDatabase): Queryable {
    return {
      dialect: 'sqlite',
      async all<T>(sql: string, params: readonly SqlValue[] = []) {
        return prepare(conn, sql).all(...params.map(toSqlValue)) as T[];
      },
      async get<T>(sql: string, params: readonly SqlValue[] = []) {
        return prepare(conn, sql).get(...params.map(toSqlValue)) as T | undefined;
      },
      async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
        const stmt = prepare(conn, sql);
        if (!stmt.reader) return { changes: stmt.run(...params.map(toSqlValue)).changes };
        stmt.all(...params.map(toSqlValue));
        return { changes: 0 };
      },
    };
  }

  const read = queryable(reader);
  const write = queryable(writer);
  const nap = opts.blockingLockWait ? napBlocking : napOnTimer;

  /** `BEGIN IMMEDIATE`, tried again every few ms while another connection holds the write lock. */
  async function begin(background: boolean): Promise<void> {
    if (background) await priority.yieldToForeground(MAX_YIELD_MS);
    // The checkpoint worker is starting the WAL over: a few ms, unless it is gone.
    for (let heldFrom = Date.now(); priority.restartPending() && Date.now() - heldFrom < MAX_RESTART_WAIT_MS;) await nap(0);
    const waited = background ? null : priority.announce();
    try {
      const startedAt = Date.now();
      for (let attempt = 0; ; attempt++) {
        try {
          writer.exec('BEGIN IMMEDIATE');
          return;
        } catch (err) {
          if (!isBusy(err) || Date.now() - startedAt > BUSY_TIMEOUT_MS) throw err;
        }
        await nap(attempt);
      }
    } finally {
      waited?.();
    }
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return mutex.run(async () => {
      const relaxed = opts.durable === false;
      if (relaxed) writer.pragma('synchronous = NORMAL');
      try {
        await begin(opts.background === true);
        try {
          const result = await fn(write);
          writer.exec('COMMIT');
          return result;
        } catch (err) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw err;
        }
      } finally {
        if (relaxed) writer.pragma('synchronous = FULL');
      }
    });
  }

  return {
    dialect: 'sqlite',
    writePriority: priority,
    all: read.all,
    get: read.get,
    // Single writes are transactions of their own: through the mutex, so they never land
    // inside someone else's transaction, and through `begin`, so they wait for the lock.
    run: (sql, params) => transaction((tx) => tx.run(sql, params)),
    transaction,
    async exec(sql) {
      // A script may hold its own transaction statements: SQLite's busy handler waits here.
      await mutex.run(async () => {
        writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
        try {
          writer.exec(sql);
        } finally {
          writer.pragma('busy_timeout = 0');
        }
      });
    },
    withMigrationLock: (fn) => transaction(fn),
    async checkpoint() {
      await mutex.run(async () => {
        writer.pragma('wal_checkpoint(PASSIVE)');
      });
    },
    async ping() {
      reader.prepare('SELECT 1').get();
    },
    async notify(channel) {
      channels.fire(channel);
    },
    listen: (channel, fn) => channels.add(channel, fn),
    async close() {
      await checkpointer?.close();
      await mutex.run(async () => {
        if (reader !== writer) reader.close();
        writer.close();
      });
    },
  };
}

/** 1, 2, 4, 8, 8… ms on a timer: the event loop runs meanwhile. */
function napOnTimer(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 8)));
}

const napCell = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
/** 0.2 ms, blocking the thread. SQLite's own busy handler would sleep 1, 2, 5, 10 ms… */
function napBlocking(): void {
  Atomics.wait(napCell, 0, 0, 0.2);
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Page cache per connection, in KiB. better-sqlite3 defaults to 16 MB, and a process holds four
 * of these connections (writer and reader, here and in the processing thread): 64 MB of RSS for
 * pages the OS keeps cached anyway. At 4 MB, `npm run bench` measured the same delivery and
 * end-to-end rates and ~20 MB less peak RSS with a million records pending. (The webhook
 * thread's connection asks for more: its inserts touch random index pages.)
 */
const PAGE_CACHE_KIB = 4000;

function configure(conn: SqliteDatabase, cacheSizeKib: number): void {
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = FULL');
  conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  conn.pragma('foreign_keys = ON');
  // Erased personal data (privacy requests) must not linger in free pages of the file.
  conn.pragma('secure_delete = ON');
  conn.pragma(`cache_size = -${cacheSizeKib}`);
}
