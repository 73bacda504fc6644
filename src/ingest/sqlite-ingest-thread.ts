import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INSERT_EVENT_SQL, insertEventParams, type NewEventRow } from '../store/repos/events-repo.js';
import { BUSY_TIMEOUT_MS } from '../store/sqlite/sqlite-db.js';
import type { WritePriority } from '../store/sqlite/write-priority.js';

/**
 * Writes webhook batches to SQLite from a worker thread with its own connection (WAL,
 * synchronous=FULL). better-sqlite3 is synchronous: on the main thread every commit's fsync
 * would stop the event loop, so no request could be read or answered meanwhile. Here the next
 * batch fills while the previous one is being synced. Other writers (processing, the API) keep
 * the main connection; SQLite's own write lock and busy timeout order the two connections.
 */
export interface SqliteIngestThread {
  /** Inserts or counts duplicates in one transaction; per row, whether it was new. */
  insertBatch(rows: readonly { row: NewEventRow; copies: number }[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** Error shape posted back by the thread, rebuilt so `isStoreUnavailable` sees the SQLite code. */
class SqliteThreadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

// The thread's code is plain JavaScript passed as a string: it runs the same under tsx, vitest
// and the compiled build without a TypeScript loader in the thread. Its SQL comes from the repo.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // The write lock is waited for below, in short naps: SQLite's busy handler sleeps 1, 2, 5,
  // 10 ms… and every webhook of the batch would wait out the whole nap.
  db.pragma('busy_timeout = 0');
} catch (err) {
  db = null;
  parentPort.postMessage({ id: 0, fatal: { message: String(err && err.message), code: err && err.code } });
}
const insert = db && db.prepare(workerData.sql);
// Counted as a waiting foreground writer while it waits for the write lock (see write-priority.ts).
const waiting = new Int32Array(workerData.writePriority);
const nap = new Int32Array(new SharedArrayBuffer(4));
const NAP_MS = 0.2;
function begin() {
  Atomics.add(waiting, 0, 1);
  try {
    const startedAt = Date.now();
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        return;
      } catch (err) {
        const busy = typeof (err && err.code) === 'string' && err.code.startsWith('SQLITE_BUSY');
        if (!busy || Date.now() - startedAt > workerData.busyTimeoutMs) throw err;
      }
      Atomics.wait(nap, 0, 0, NAP_MS);
    }
  } finally {
    Atomics.sub(waiting, 0, 1);
  }
}
parentPort.on('message', (msg) => {
  if (msg.close) {
    if (db) db.close();
    parentPort.postMessage({ id: msg.id, closed: true });
    return;
  }
  try {
    if (!db) throw Object.assign(new Error('The database connection is not open'), { code: 'SQLITE_CANTOPEN' });
    begin();
    const fresh = [];
    try {
      for (const item of msg.rows) {
        const params = item.params;
        params[item.bodyIndex] = Buffer.from(msg.bodies, item.bodyOffset, item.bodyLength);
        const result = insert.get(...params);
        fresh.push(Number(result && result.duplicates) === item.copies - 1);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
    parentPort.postMessage({ id: msg.id, fresh });
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;

type Reply =
  | { id: number; fresh: boolean[] }
  | { id: number; error: { message: string; code?: string } }
  | { id: number; fatal: { message: string; code?: string } }
  | { id: number; closed: true };

/**
 * Starts the thread on the SQLite file at `path` (never `:memory:`, which a thread cannot
 * share); it waits for the write lock as a foreground writer of `writePriority`.
 */
export function startSqliteIngestThread(path: string, writePriority: WritePriority): SqliteIngestThread {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { path, driver, sql: INSERT_EVENT_SQL, writePriority: writePriority.shared, busyTimeoutMs: BUSY_TIMEOUT_MS } });
  // The thread must never keep a process alive on its own (tests, CLI commands).
  worker.unref();
  let nextId = 1;
  let fatal: Error | null = null;
  const waiting = new Map<number, { resolve(value: boolean[]): void; reject(err: unknown): void }>();
  let closing: Promise<void> | null = null;

  function failAll(err: Error): void {
    fatal = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  }

  worker.on('message', (reply: Reply) => {
    if ('fatal' in reply) return failAll(new SqliteThreadError(reply.fatal.message, reply.fatal.code));
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if ('fresh' in reply) w.resolve(reply.fresh);
    else if ('error' in reply) w.reject(new SqliteThreadError(reply.error.message, reply.error.code));
    else w.resolve([]);
  });
  worker.on('error', (err) => failAll(new SqliteThreadError(`ingest thread failed: ${err.message}`, 'SQLITE_CANTOPEN')));
  worker.on('exit', () => failAll(new SqliteThreadError('The database connection is not open', 'SQLITE_CANTOPEN')));

  function send(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<boolean[]> {
    if (fatal) return Promise.reject(fatal);
    const id = nextId++;
    return new Promise<boolean[]>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      // A pending answer keeps the process alive; an idle thread does not.
      worker.ref();
      worker.postMessage({ id, ...message }, transfer);
    }).finally(() => {
      if (waiting.size === 0) worker.unref();
    });
  }

  return {
    insertBatch(rows) {
      // Raw bodies travel as one transferred ArrayBuffer: cloning each Buffer would copy the
      // whole pooled slab behind it, which dominated the cost of a batch.
      let total = 0;
      for (const { row } of rows) total += row.rawBody.length;
      const bodies = new Uint8Array(total);
      let offset = 0;
      const items = rows.map(({ row, copies }) => {
        const params = insertEventParams(row, copies);
        const bodyIndex = params.indexOf(row.rawBody);
        params[bodyIndex] = null;
        bodies.set(row.rawBody, offset);
        const item = { params, copies, bodyIndex, bodyOffset: offset, bodyLength: row.rawBody.length };
        offset += row.rawBody.length;
        return item;
      });
      return send({ rows: items, bodies: bodies.buffer }, [bodies.buffer]);
    },
    close() {
      closing ??= send({ close: true })
        .catch(() => [])
        .then(() => worker.terminate())
        .then(() => undefined);
      return closing;
    },
  };
}
