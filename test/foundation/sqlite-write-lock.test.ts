import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDb, type SqliteDb } from '../../src/store/sqlite/sqlite-db.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several connections to one file, sharing one write priority, stand for the threads of one
 * process (main, ingest, processing): each has its own write connection, as a thread does.
 */
describe('SQLite write lock between the connections of one process', () => {
  let dir: string;
  let dbs: SqliteDb[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcbridge-write-lock-'));
    const first = openSqliteDb(join(dir, 'db.sqlite'));
    await first.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
    dbs = [
      first,
      openSqliteDb(join(dir, 'db.sqlite'), { writePriority: first.writePriority.shared }),
      openSqliteDb(join(dir, 'db.sqlite'), { writePriority: first.writePriority.shared }),
    ];
  });
  afterEach(async () => {
    for (const db of dbs) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a writer waiting for the lock another connection holds keeps its event loop running, then writes', async () => {
    const [holder, waiter] = dbs as [SqliteDb, SqliteDb];
    let release!: () => void;
    const held = holder.transaction(async (q) => {
      await q.run(`INSERT INTO log (who) VALUES ('holder')`);
      await new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(10);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    const waiting = waiter.run(`INSERT INTO log (who) VALUES ('waiter')`);
    await sleep(150);
    // SQLite's own busy handler would have slept inside the call: no timer could fire, and the
    // holder (on this same event loop) could never commit.
    expect(ticks).toBeGreaterThan(10);
    release();
    await held;
    await waiting;
    clearInterval(ticker);
    const rows = await waiter.all<{ who: string }>(`SELECT who FROM log ORDER BY id`);
    expect(rows.map((r) => r.who)).toEqual(['holder', 'waiter']);
  });

  it('a background transaction lets a foreground writer that is waiting for the lock go first', async () => {
    const [holder, foreground, background] = dbs as [SqliteDb, SqliteDb, SqliteDb];
    let release!: () => void;
    const held = holder.transaction(async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(10);
    const order: string[] = [];
    const fg = foreground.transaction(async (q) => {
      order.push('foreground');
      await q.run(`INSERT INTO log (who) VALUES ('foreground')`);
    });
    await sleep(20);
    const bg = background.transaction(
      async (q) => {
        order.push('background');
        await q.run(`INSERT INTO log (who) VALUES ('background')`);
      },
      { background: true },
    );
    await sleep(20);
    release();
    await Promise.all([held, fg, bg]);
    expect(order).toEqual(['foreground', 'background']);
  });

  it('a foreground writer counted but never served (a dead thread) delays background work by at most 200 ms', async () => {
    const [, , background] = dbs as [SqliteDb, SqliteDb, SqliteDb];
    dbs[0]!.writePriority.announce(); // never released
    const started = performance.now();
    await background.transaction(async (q) => q.run(`INSERT INTO log (who) VALUES ('background')`), { background: true });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2000);
  });

  it('gives up with SQLITE_BUSY when the lock stays taken for longer than the busy timeout', async () => {
    // Another process's transaction, simulated by a connection whose lock is never released.
    const [holder, waiter] = dbs as [SqliteDb, SqliteDb];
    let release!: () => void;
    const held = holder.transaction(async () => {
      await new Promise<void>((resolve) => (release = resolve));
    });
    await sleep(10);
    const started = performance.now();
    await expect(waiter.run(`INSERT INTO log (who) VALUES ('waiter')`)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(4900);
    release();
    await held;
  }, 15_000);
});
