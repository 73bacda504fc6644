/**
 * The webhook ingest thread's own code (started by `startSqliteIngestThread`): one SQLite
 * connection of its own that commits the batches the main thread posts. Messages in:
 * `IngestBatchMessage` or `{ id, close: true }`. Messages out: `IngestReply`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEventsRepo, insertReceivedRows, type EventRowBuilder, type NewEventRow, type ReceivedOutcome } from '../repos/events-repo.js';
import { openSqliteDb, type SqliteDb } from './sqlite-db.js';

/** What the main thread hands the ingest thread. */
export interface IngestThreadData {
  /** Path of the SQLite database (already migrated by the main thread). */
  path: string;
  /** The main thread's `store.sqliteWritePriority.shared`. */
  writePriority: SharedArrayBuffer;
  /** `EventRowBuilder.module`: parses received bodies here (null: rows only). */
  rowBuilder: string | null;
}

/**
 * One batch, packed so that posting it is two copies: the columns as one JSON text (cloning
 * a string is a memcpy; cloning an array of arrays walks every value) and the raw bodies as one
 * transferred buffer, cut by the lengths among the columns. `rows`: built rows (`PackedRow`);
 * `received`: bodies as received (`PackedReceived`), parsed here.
 */
export interface IngestBatchMessage {
  id: number;
  kind: 'rows' | 'received';
  columns: string;
  bodies: ArrayBuffer;
}

/** A received body's app and time; its body is the next slice of `bodies`. */
export type PackedReceived = [appId: string, receivedAt: number, bodyLength: number];

/** A row's columns and its number of copies in the batch; its body is the next slice of `bodies`. */
export type PackedRow = [
  appId: string,
  eventId: string,
  eventName: string | null,
  userKey: string | null,
  userId: string | null,
  anonymousUserId: string | null,
  environment: string | null,
  receivedAt: number,
  eventCreatedAt: number | null,
  status: NewEventRow['status'],
  reason: string | null,
  copies: number,
  bodyLength: number,
];

export type IngestReply =
  | { id: number; fresh: boolean[] }
  | { id: number; outcomes: ReceivedOutcome[] }
  | { id: number; error: { message: string; code: string | undefined } }
  | { id: number; closed: true };

/** The message sent when the connection could not be opened; every batch then fails the same way. */
export interface IngestFatal {
  fatal: { message: string; code: string | undefined };
}

/** The thread's connection asks for more page cache than the others: its inserts touch random index pages. */
const INGEST_CACHE_KIB = 16_000;
/**
 * Body bytes committed between two checkpoints of the WAL. With the columns and the index
 * entries that is about SQLite's own threshold of 1000 pages (4 MiB).
 */
const CHECKPOINT_AFTER_BYTES = 2 * 1024 * 1024;

function errorShape(err: unknown): { message: string; code: string | undefined } {
  const e = err as { message?: unknown; code?: unknown } | null;
  return { message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined };
}

/** Unpacks a batch of received bodies; the bodies are views of the transferred buffer. */
function unpackReceived(message: IngestBatchMessage, build: EventRowBuilder['build']): NewEventRow[] {
  const packed = JSON.parse(message.columns) as PackedReceived[];
  let offset = 0;
  return packed.map(([appId, receivedAt, length]) => {
    const rawBody = Buffer.from(message.bodies, offset, length);
    offset += length;
    return build(appId, rawBody, receivedAt);
  });
}

/** Unpacks a batch into rows whose bodies are views of the transferred buffer. */
function unpackRows(message: IngestBatchMessage): { row: NewEventRow; copies: number }[] {
  const packed = JSON.parse(message.columns) as PackedRow[];
  let offset = 0;
  return packed.map((p) => {
    const rawBody = Buffer.from(message.bodies, offset, p[12]);
    offset += p[12];
    const row: NewEventRow = {
      appId: p[0],
      eventId: p[1],
      eventName: p[2],
      userKey: p[3],
      userId: p[4],
      anonymousUserId: p[5],
      environment: p[6],
      receivedAt: p[7],
      eventCreatedAt: p[8],
      status: p[9],
      reason: p[10],
      rawBody,
    };
    return { row, copies: p[11] };
  });
}

function main(port: NonNullable<typeof parentPort>, data: IngestThreadData): void {
  let db: SqliteDb;
  try {
    // Lock waits block this thread in short naps: it has nothing else to do meanwhile.
    db = openSqliteDb(data.path, { writePriority: data.writePriority, blockingLockWait: true, cacheSizeKib: INGEST_CACHE_KIB, manualCheckpoints: true });
  } catch (err) {
    port.postMessage({ fatal: errorShape(err) } satisfies IngestFatal);
    return;
  }
  const builder: Promise<EventRowBuilder['build'] | null> = data.rowBuilder
    ? import(data.rowBuilder).then((m: { buildEventRow: EventRowBuilder['build'] }) => m.buildEventRow)
    : Promise.resolve(null);
  let sinceCheckpoint = 0;

  async function commit(message: IngestBatchMessage): Promise<IngestReply> {
    if (message.kind === 'rows') {
      const rows = unpackRows(message);
      return { id: message.id, fresh: await db.transaction((q) => createEventsRepo(q).insertOrCountDuplicates(rows)) };
    }
    const build = await builder;
    if (!build) throw new Error('the ingest thread was started without a row builder');
    const rows = unpackReceived(message, build);
    return { id: message.id, outcomes: await db.transaction((q) => insertReceivedRows(q, rows)) };
  }

  port.on('message', (message: IngestBatchMessage | { id: number; close: true }) => {
    if ('close' in message) {
      void db.close().finally(() => port.postMessage({ id: message.id, closed: true } satisfies IngestReply));
      return;
    }
    commit(message).then(
      (reply) => {
        port.postMessage(reply);
        // After the answer: the webhooks of this batch never wait for the checkpoint, and the
        // next batch fills meanwhile.
        sinceCheckpoint += message.bodies.byteLength;
        // The process's checkpoint worker, when it runs, copies the WAL off this thread.
        if (sinceCheckpoint >= CHECKPOINT_AFTER_BYTES && !db.writePriority.checkpointWorkerRuns()) {
          sinceCheckpoint = 0;
          void db.checkpoint().catch(() => undefined);
        }
      },
      (err: unknown) => port.postMessage({ id: message.id, error: errorShape(err) } satisfies IngestReply),
    );
  });
}

if (parentPort) main(parentPort, workerData as IngestThreadData);
