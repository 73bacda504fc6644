import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDb, type SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { WRITER_SAFETY_NET_PAGES } from '../../src/store/sqlite/wal-checkpointer.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Frames in the WAL not yet copied into the database file, as another connection sees them. */
function uncheckpointedFrames(path: string): number {
  const probe = new Database(path, { readonly: true });
  try {
    // A PASSIVE checkpoint from a read-only connection copies nothing; its answer says how far the WAL is copied.
    const [row] = probe.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return row!.log - row!.checkpointed;
  } catch {
    return Number.NaN;
  } finally {
    probe.close();
  }
}

/** The write connection's `wal_autocheckpoint` (plain reads go to another connection). */
const writerAutocheckpoint = (db: SqliteDb): Promise<number> =>
  db.transaction(async (q) => (await q.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))!.wal_autocheckpoint);

/** Writes `rows` rows of 4 KiB in transactions of 100 (about one page each). */
async function writePages(db: SqliteDb, rows: number): Promise<void> {
  for (let i = 0; i < rows; i += 100) {
    await db.transaction(async (q) => {
      for (let j = i; j < Math.min(rows, i + 100); j++) await q.run(`INSERT INTO pages (body) VALUES (?)`, ['x'.repeat(4000)]);
    });
  }
}

describe('WAL checkpoints from a worker thread', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-checkpointer-'));
    path = join(dir, 'db.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies the WAL into the database file while the writer never checkpoints below its safety net', async () => {
    const db = openSqliteDb(path, { checkpointWorker: true });
    try {
      await db.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      expect(await writerAutocheckpoint(db)).toBe(WRITER_SAFETY_NET_PAGES);
      // 3000 pages: past SQLite's own threshold of 1000, far below the writer's safety net.
      await writePages(db, 3000);
      const deadline = Date.now() + 5_000;
      while (statSync(path).size < 3000 * 4096 && Date.now() < deadline) await sleep(20);
      // The worker copied the pages into the database file; nothing is left behind in the WAL.
      expect(statSync(path).size).toBeGreaterThanOrEqual(3000 * 4096);
      while (uncheckpointedFrames(path) !== 0 && Date.now() < deadline) await sleep(20);
      expect(uncheckpointedFrames(path)).toBe(0);
    } finally {
      await db.close();
    }
    // Closed with the connection: the data is all there for the next opener.
    const reopened = new Database(path, { readonly: true });
    try {
      expect(reopened.prepare('SELECT COUNT(*) AS n FROM pages').get()).toEqual({ n: 3000 });
    } finally {
      reopened.close();
    }
  });

  it('the process’s other connections leave checkpoints to the worker while it runs, and keep SQLite’s own without it', async () => {
    const main = openSqliteDb(path, { checkpointWorker: true });
    const other = openSqliteDb(path, { writePriority: main.writePriority.shared });
    const alone = openSqliteDb(path);
    const besideAlone = openSqliteDb(path, { writePriority: alone.writePriority.shared });
    try {
      expect(await writerAutocheckpoint(other)).toBe(WRITER_SAFETY_NET_PAGES);
      expect(await writerAutocheckpoint(alone)).toBe(1000);
      expect(await writerAutocheckpoint(besideAlone)).toBe(1000);
    } finally {
      for (const db of [besideAlone, alone, other, main]) await db.close();
    }
  });

  it('keeps the WAL short under back-to-back commits by starting it over, and writers go on meanwhile', async () => {
    const db = openSqliteDb(path, { checkpointWorker: true });
    try {
      await db.exec('CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      // About 40 MB of commits with no pause: a PASSIVE checkpoint alone never catches up with them.
      let rows = 0;
      const until = Date.now() + 3_000;
      while (Date.now() < until && rows < 10_000) {
        await db.transaction(async (q) => {
          for (let i = 0; i < 10; i++) await q.run(`INSERT INTO pages (body) VALUES (?)`, ['x'.repeat(4000)]);
        });
        rows += 10;
      }
      expect(rows).toBeGreaterThan(1000);
      // Without restarts the WAL would hold every page written; it is started over instead.
      expect(statSync(`${path}-wal`).size).toBeLessThan((rows * 4096) / 2);
      expect(await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM pages')).toEqual({ n: rows });
    } finally {
      await db.close();
    }
  });
});
