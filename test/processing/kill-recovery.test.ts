import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { insertBacklog } from './backlog.js';
import { allEnabledSettingsIn, createTestApp, storeSettings } from './helpers.js';

const BACKLOG = 12_000;

interface Progress {
  received: number;
  processed: number;
  /** Processed events whose records are not exactly one event record + one profile record of generation 1. */
  wrongRecordCount: number;
  /** Events still `received` that already have records (a half-applied batch). */
  receivedWithRecords: number;
}

async function readProgress(t: TestContext, appId: string): Promise<Progress> {
  const q = t.ctx.store.db;
  const counts = await q.all<{ status: string; n: number }>('SELECT status, COUNT(*) AS n FROM events WHERE app_id = ? GROUP BY status', [appId]);
  const received = Number(counts.find((c) => c.status === 'received')?.n ?? 0);
  const processed = counts.reduce((sum, c) => sum + Number(c.n), 0) - received;
  const wrong = await q.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM events e WHERE e.app_id = ? AND e.status <> 'received' AND (
       (SELECT COUNT(*) FROM records r WHERE r.event_seq = e.seq AND r.kind = 'event' AND r.generation = 1) <> 1 OR
       (SELECT COUNT(*) FROM records r WHERE r.event_seq = e.seq AND r.kind = 'profile' AND r.generation = 1) <> 1 OR
       (SELECT COUNT(*) FROM records r WHERE r.event_seq = e.seq) <> 2)`,
    [appId],
  );
  const halfApplied = await q.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM events e WHERE e.app_id = ? AND e.status = 'received' AND EXISTS (SELECT 1 FROM records r WHERE r.event_seq = e.seq)`,
    [appId],
  );
  return { received, processed, wrongRecordCount: Number(wrong?.n ?? 0), receivedWithRecords: Number(halfApplied?.n ?? 0) };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe.each(DIALECTS)('processing survives kill -9 (%s)', (dialect) => {
  let t: TestContext;
  let server: ServerProcess | null = null;
  beforeEach(async () => {
    t = await createTestContext(dialect);
  });
  afterEach(async () => {
    if (server) await server.stop('SIGKILL');
    server = null;
    await t.close();
  });

  it("killing pcbridge serve in the middle of a backlog and restarting it writes every event's records exactly once", async () => {
    const { appId } = await createTestApp(t.ctx);
    await storeSettings(t.ctx, appId, allEnabledSettingsIn());
    await insertBacklog(t.ctx, appId, BACKLOG);
    // No passcode is stored and CleverTap calls could only reach a closed local port.
    const env = { ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' };

    server = await startServeProcess(env);
    await waitFor(async () => (await readProgress(t, appId)).processed > 0, 30_000, 10);
    await server.stop('SIGKILL');
    server = null;

    const atKill = await readProgress(t, appId);
    expect(atKill.received).toBeGreaterThan(0); // the kill landed mid-backlog
    expect(atKill.receivedWithRecords).toBe(0);
    expect(atKill.wrongRecordCount).toBe(0);

    server = await startServeProcess(env);
    await waitFor(async () => (await readProgress(t, appId)).received === 0, 60_000, 100);
    await server.stop('SIGKILL');
    server = null;

    const done = await readProgress(t, appId);
    expect(done).toEqual({ received: 0, processed: BACKLOG, wrongRecordCount: 0, receivedWithRecords: 0 });
    const total = await t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM records WHERE app_id = ?', [appId]);
    expect(Number(total?.n)).toBe(2 * BACKLOG);
  }, 120_000);
});
