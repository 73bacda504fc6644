import { afterEach, describe, expect, it } from 'vitest';
import { createUploadClient, type UploadClient } from '../../src/clevertap/upload-client.js';
import type { CleverTapRecord } from '../../src/clevertap/types.js';
import type { UploadOutcome } from '../../src/clevertap/upload-outcome.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { ACCOUNT_ID, PASSCODE, countByState, createAppWithIntegration, insertRecords, waitFor } from './helpers.js';

/**
 * CleverTap answers some malformed requests with a 400 for the whole batch. The emulator only
 * does that for bodies it cannot read, so this client stands in for it: a request holding a
 * record marked `poison` gets a 400 without being stored; every other request goes to the
 * emulator over HTTP. What is tested is the engine's reaction, not the 400 itself.
 */
function poisonAwareClient(baseUrl: string): UploadClient & { sizes: number[] } {
  const real = createUploadClient({ timeoutMs: 5000, baseUrlOverride: baseUrl });
  const sizes: number[] = [];
  const refuse = (records: readonly CleverTapRecord[]): UploadOutcome | null => {
    sizes.push(records.length);
    if (!records.some((r) => r.type === 'event' && r.evtData['poison'] === true)) return null;
    return {
      kind: 'bad_request',
      httpStatus: 400,
      latencyMs: 1,
      responseBody: '{"status":"fail","error":"Bad Request","code":400}',
      message: 'CleverTap rejected the request with HTTP 400: Bad Request.',
    };
  };
  return {
    sizes,
    async upload(account, records) {
      return refuse(records) ?? real.upload(account, records);
    },
    async uploadJson(account, recordsJson) {
      return refuse(recordsJson.map((json) => JSON.parse(json) as CleverTapRecord)) ?? real.uploadJson(account, recordsJson);
    },
    checkCredentials: (account) => real.checkCredentials(account),
    close: () => real.close(),
  };
}

describe.each(DIALECTS)('a 400 for a whole batch (%s)', (dialect) => {
  let t: TestContext | null = null;
  let emu: ClevertapEmulator | null = null;
  let worker: BackgroundWorker | null = null;

  afterEach(async () => {
    await worker?.stop();
    worker = null;
    await t?.close();
    await emu?.close();
  });

  it('is split in halves until the bad record is alone; only it fails and the rest arrive in order', async () => {
    emu = await startClevertapEmulator({ accounts: [{ accountId: ACCOUNT_ID, passcode: PASSCODE }] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
    const ctx = t.ctx;
    const appId = await createAppWithIntegration(ctx);
    await insertRecords(ctx, appId, [
      { userId: 'u1', n: 1 },
      { userId: 'u2', n: 2 },
      { userId: 'u1', n: 3 },
      { userId: 'u2', n: 4 },
      { userId: 'u3', n: 5, data: { poison: true } },
      { userId: 'u1', n: 6 },
      { userId: 'u2', n: 7 },
      { userId: 'u3', n: 8 },
    ]);
    const client = poisonAwareClient(emu.url);
    worker = createDeliveryWorker(ctx, { client });
    await waitFor(
      async () => {
        const c = await countByState(ctx);
        return c.delivered === 7 && c.failed === 1;
      },
      10_000,
      'seven delivered and one failed',
    );
    await client.close();

    // 8 → 400; halves [1-4] ok, [5-8] → 400; [5,6] → 400, [7,8] ok; [5] → 400 (fails), [6] ok.
    expect(client.sizes).toEqual([8, 4, 4, 2, 1, 1, 2]);
    const failed = await ctx.store.db.get<{ last_code: number; last_message: string; body_json: string }>(
      `SELECT last_code, last_message, body_json FROM records WHERE state = 'failed'`,
    );
    expect(Number(failed!.last_code)).toBe(400);
    expect(failed!.last_message).toContain('HTTP 400');
    expect(JSON.parse(failed!.body_json).evtData.n).toBe(5);
    const arrived = emu.records().map((s) => (s.record as { evtData: { n: number } }).evtData.n);
    expect(arrived).toEqual([1, 2, 3, 4, 6, 7, 8]);
    const attempts = await ctx.store.db.all<{ outcome: string; record_count: number }>(`SELECT outcome, record_count FROM attempts ORDER BY id`);
    expect(attempts.map((a) => `${a.outcome}:${a.record_count}`)).toEqual([
      'bad_request:8',
      'success:4',
      'bad_request:4',
      'bad_request:2',
      'bad_request:1',
      'success:1',
      'success:2',
    ]);
  });
});
