import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startProcessingThread } from '../../src/processing/processing-thread.js';
import type { BackgroundWorker } from '../../src/context.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { unopenableDatabase } from '../helpers/threads.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, readEventStatus, storeSettings } from './helpers.js';

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const ACTIVATE_ID = (fixture('ACTIVATE') as { event_id: string }).event_id;

describe('the processing thread (SQLite)', () => {
  let t: TestContext;
  let thread: BackgroundWorker | null = null;
  beforeEach(async () => {
    t = await createTestContext('sqlite');
  });
  afterEach(async () => {
    await thread?.stop();
    thread = null;
    await t.close();
  });

  it("processes stored events in its own thread and counts them on this process's metrics", async () => {
    const { appId } = await createTestApp(t.ctx);
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    thread = startProcessingThread(t.ctx, { idleMs: 20 });
    await waitFor(async () => (await readEventStatus(t.ctx, appId, ACTIVATE_ID)).status === 'pending', 20_000, 'the event processed');
    await waitFor(async () => (await t.ctx.metrics.registry.metrics()).includes('pcbridge_processed_events_total 1'), 5_000, 'the count relayed');
    expect(await t.ctx.metrics.registry.metrics()).toContain('pcbridge_outbox_records_written_total 2');
  }, 30_000);

  it('starts a thread that died again, logging why, and stops cleanly meanwhile', async () => {
    const { ctx, lines, remove } = unopenableDatabase(t.ctx);
    thread = startProcessingThread(ctx);
    await waitFor(() => lines.filter((l) => l.msg?.startsWith('the processing thread exited; starting it again')).length >= 2, 10_000, 'two restarts');
    const stopping = performance.now();
    await thread.stop();
    thread = null;
    expect(performance.now() - stopping).toBeLessThan(5_000);
    expect(lines.some((l) => l.msg === 'the processing thread failed')).toBe(true);
    remove();
  }, 30_000);
});
