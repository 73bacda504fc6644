import { startModuleThread } from '../../threads.js';
import type { EventBatchWriter, EventRowBuilder, ReceivedOutcome } from '../repos/events-repo.js';
import type { IngestBatchMessage, IngestFatal, IngestReply, IngestThreadData, PackedReceived, PackedRow } from './sqlite-ingest-thread-main.js';
import type { WritePriority } from './write-priority.js';

/** Error shape posted back by the thread, rebuilt so `isStoreUnavailable` sees the SQLite code. */
class SqliteThreadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'SqliteError';
    this.code = code;
  }
}

/** The thread's writer, closed with the store. */
export interface SqliteIngestThread extends EventBatchWriter {
  close(): Promise<void>;
}

/**
 * Commits webhook batches to SQLite from a worker thread with its own connection (WAL,
 * synchronous=FULL; `sqlite-ingest-thread-main.ts`). better-sqlite3 is synchronous: on the main
 * thread every commit's fsync would stop the event loop, so no request could be read or
 * answered meanwhile. Here the next batch fills while the previous one is being synced. Other
 * writers keep the main connection; SQLite's write lock orders the connections, and the thread
 * waits for it as a foreground writer of `writePriority`. `path` is a file, never `:memory:`
 * (which a thread cannot share). With a `rowBuilder`, received bodies are parsed in the thread
 * too (`insertReceived`): the main thread only reads, verifies and answers.
 */
export function startSqliteIngestThread(path: string, writePriority: WritePriority, rowBuilder: EventRowBuilder | null): SqliteIngestThread {
  const data: IngestThreadData = { path, writePriority: writePriority.shared, rowBuilder: rowBuilder?.module ?? null };
  const worker = startModuleThread(new URL('./sqlite-ingest-thread-main', import.meta.url), data);
  // The thread must never keep a process alive on its own (tests, CLI commands).
  worker.unref();
  let nextId = 1;
  let fatal: Error | null = null;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(err: unknown): void }>();
  let closing: Promise<void> | null = null;

  function failAll(err: Error): void {
    fatal ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  }

  worker.on('message', (reply: IngestReply | IngestFatal) => {
    if ('fatal' in reply) return failAll(new SqliteThreadError(reply.fatal.message, reply.fatal.code));
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if ('fresh' in reply) w.resolve(reply.fresh);
    else if ('outcomes' in reply) w.resolve(reply.outcomes);
    else if ('error' in reply) w.reject(new SqliteThreadError(reply.error.message, reply.error.code));
    else w.resolve([]);
    // A pending answer keeps the process alive; an idle thread does not.
    if (waiting.size === 0) worker.unref();
  });
  worker.on('error', (err) => failAll(new SqliteThreadError(`ingest thread failed: ${err.message}`, 'SQLITE_CANTOPEN')));
  worker.on('exit', () => failAll(new SqliteThreadError('The database connection is not open', 'SQLITE_CANTOPEN')));

  function send<T>(message: Omit<IngestBatchMessage, 'id'> | { close: true }, transfer: ArrayBuffer[] = []): Promise<T> {
    if (fatal) return Promise.reject(fatal);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, ...message }, transfer);
    });
  }

  return {
    maxInFlight: 1,
    insertBatch(rows) {
      const { columns, bodies } = pack(
        rows,
        ({ row, copies }): PackedRow => [
          row.appId,
          row.eventId,
          row.eventName,
          row.userKey,
          row.userId,
          row.anonymousUserId,
          row.environment,
          row.receivedAt,
          row.eventCreatedAt,
          row.status,
          row.reason,
          copies,
          row.rawBody.length,
        ],
        ({ row }) => row.rawBody,
      );
      return send<boolean[]>({ kind: 'rows', columns, bodies }, [bodies]);
    },
    insertReceived(items) {
      if (rowBuilder === null) return Promise.reject(new Error('this ingest writer was opened without a row builder'));
      const { columns, bodies } = pack(
        items,
        (item): PackedReceived => [item.appId, item.receivedAt, item.rawBody.length],
        (item) => item.rawBody,
      );
      return send<ReceivedOutcome[]>({ kind: 'received', columns, bodies }, [bodies]);
    },
    close() {
      closing ??= send<unknown>({ close: true })
        .catch(() => [])
        .then(() => worker.terminate())
        .then(() => undefined);
      return closing;
    },
  };
}

/**
 * A batch as posted: the columns as one JSON text and the raw bodies as one buffer to transfer
 * (cloning each Buffer would copy the whole pooled slab behind it).
 */
function pack<T>(items: readonly T[], columnsOf: (item: T) => unknown[], bodyOf: (item: T) => Buffer): { columns: string; bodies: ArrayBuffer } {
  let total = 0;
  for (const item of items) total += bodyOf(item).length;
  const bodies = new Uint8Array(total);
  const columns: unknown[][] = [];
  let offset = 0;
  for (const item of items) {
    const body = bodyOf(item);
    bodies.set(body, offset);
    offset += body.length;
    columns.push(columnsOf(item));
  }
  return { columns: JSON.stringify(columns), bodies: bodies.buffer };
}
