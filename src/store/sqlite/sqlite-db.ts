import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { toSqlValue, type Db, type Queryable, type RunResult, type SqlValue, type TransactionOptions } from '../db.js';
import { createMutex } from './mutex.js';

/**
 * SQLite through better-sqlite3: WAL, `synchronous=FULL` (each commit is fsync'd before it
 * returns, so an acknowledged webhook survives a power cut), one write connection whose
 * transactions are serialised by a mutex, and a second connection for reads outside them.
 */
export function openSqliteDb(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const writer = new Database(path);
  configure(writer);
  // Reads outside transactions use their own read-only connection: they never wait for the
  // writer's mutex and can never write by mistake (a write with RETURNING belongs in a transaction).
  const reader = path === ':memory:' ? writer : new Database(path, { readonly: true });
  if (reader !== writer) reader.pragma('busy_timeout = 5000');
  const mutex = createMutex();
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

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return mutex.run(async () => {
      const relaxed = opts.durable === false;
      if (relaxed) writer.pragma('synchronous = NORMAL');
      try {
        writer.exec('BEGIN IMMEDIATE');
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
    all: read.all,
    get: read.get,
    // Single writes go through the mutex so they never land inside someone else's transaction.
    run: (sql, params) => mutex.run(() => write.run(sql, params)),
    transaction,
    async exec(sql) {
      await mutex.run(async () => writer.exec(sql));
    },
    withMigrationLock: (fn) => transaction(fn),
    async ping() {
      reader.prepare('SELECT 1').get();
    },
    async close() {
      await mutex.run(async () => {
        if (reader !== writer) reader.close();
        writer.close();
      });
    },
  };
}

function configure(conn: SqliteDatabase): void {
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = FULL');
  conn.pragma('busy_timeout = 5000');
  conn.pragma('foreign_keys = ON');
  // Erased personal data (privacy requests) must not linger in free pages of the file.
  conn.pragma('secure_delete = ON');
}
