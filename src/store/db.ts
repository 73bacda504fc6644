/**
 * The one seam between SQL and the two databases. Repositories write portable SQL with `?`
 * placeholders once; each dialect's adapter runs it. Flags are stored as 0/1 integers and times
 * as epoch milliseconds in both dialects so rows look the same everywhere.
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | boolean | Buffer | null;

export interface RunResult {
  /** Rows changed by an INSERT/UPDATE/DELETE. */
  changes: number;
}

/** Something SQL can be sent to: the database itself, or an open transaction. */
export interface Queryable {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
}

export interface TransactionOptions {
  /**
   * `false` for work that can be redone from durable data (processing derives everything from
   * stored events): the commit survives a process crash but skips the fsync wait (SQLite
   * `synchronous=NORMAL` in WAL, PostgreSQL `synchronous_commit = off`), so it stays off the
   * critical path of acknowledged webhooks. Default `true`.
   */
  durable?: boolean;
  /**
   * Background work (processing) that may wait: on SQLite it lets writers that are waiting for
   * the write lock in other threads of the process (the API, delivery, webhook ingest) go first.
   */
  background?: boolean;
}

export interface Db extends Queryable {
  /**
   * Runs `fn` in one transaction; commits when it resolves, rolls back when it throws.
   * On SQLite transactions are serialised (one writer); on PostgreSQL each gets its own client.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /** Runs a multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
  /** Takes a database-wide lock for migrations (advisory lock on PostgreSQL, write lock on SQLite). */
  withMigrationLock<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * A wake-up on `channel` (lower-case letters, digits, `_`) for every `listen`er of this
   * database: in this process on SQLite, in every process on PostgreSQL (`NOTIFY`). Best effort:
   * a wake-up may be lost (e.g. the listening connection is down), so listeners keep a poll.
   */
  notify(channel: string): Promise<void>;
  /** Calls `fn` on each wake-up of `channel` (possibly more than once per notify); returns the unsubscribe. */
  listen(channel: string, fn: () => void): () => void;
}

/** In-process listeners of wake-up channels (the part of `Db.listen` both dialects share). */
export function createLocalChannels(): { add(channel: string, fn: () => void): () => void; fire(channel: string): void; channels(): string[] } {
  const byChannel = new Map<string, Set<() => void>>();
  return {
    add(channel, fn) {
      let set = byChannel.get(channel);
      if (!set) byChannel.set(channel, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) byChannel.delete(channel);
      };
    },
    fire(channel) {
      for (const fn of [...(byChannel.get(channel) ?? [])]) {
        try {
          fn();
        } catch {
          // A listener's failure is its own; the others still wake.
        }
      }
    },
    channels: () => [...byChannel.keys()],
  };
}

export function toSqlValue(value: SqlValue): SqlValue {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}
