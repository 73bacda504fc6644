/**
 * Fuzzing the whole bridge: hostile webhooks (odd bytes, NUL and lone surrogates, dates out of
 * range, 10,000-level nesting, long ids, wrong types, bad signatures) go through ingest,
 * processing and delivery to the emulator. Nothing may answer 5xx, every acknowledged event must
 * be listed and readable through the API, and no event may block the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { buildApp } from '../../src/http/app.js';
import { createProcessingWorker } from '../../src/processing/processing-worker.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { runWebhookFuzz, type Send } from '../../tools/webhook-fuzzer/run-fuzz.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn } from '../processing/helpers.js';

const SECRET = 'fuzz-secret';
const ACCOUNT = { accountId: 'W9R-FUZZ', passcode: 'fuzz-passcode' };

describe.each(DIALECTS)('the bridge under fuzzed webhooks (%s)', (dialect) => {
  let t: TestContext;
  let emu: ClevertapEmulator;
  let app: FastifyInstance;
  let workers: BackgroundWorker[] = [];

  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [ACCOUNT] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await app?.close();
    await t?.close();
    await emu?.close();
  });

  it('answers no 5xx, lists and shows every acknowledged event, and processes every plain event among them', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Fuzz', webhookSecret: SECRET } });
    const appId = (created.json() as { id: string }).id;
    const settings = await app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: AUTH,
      payload: { ...allEnabledSettingsIn({ sandbox: 'same_account', identity: { mode: 'identity' } }), ...ACCOUNT },
    });
    expect(settings.statusCode).toBe(200);
    workers = [createProcessingWorker(t.ctx, { idleMs: 20 }), createDeliveryWorker(t.ctx)];

    const send: Send = async ({ method, url, headers, body }) => {
      const res = await app.inject({ method, url, headers, ...(body ? { payload: body } : {}) });
      return { status: res.statusCode, text: res.body };
    };
    const report = await runWebhookFuzz({ send, appId, secret: SECRET, authorization: AUTH.authorization, requests: 400, seed: 20261206, drainTimeoutMs: 60_000 });

    const { serverErrors, unexpected, stuck, listed, acknowledged, unreadable, controlsNotProcessed } = report;
    expect({ serverErrors, unexpected, stuck, listed, unreadable, controlsNotProcessed }).toEqual({
      serverErrors: 0,
      unexpected: [],
      stuck: 0,
      listed: acknowledged,
      unreadable: 0,
      controlsNotProcessed: [],
    });
    expect(acknowledged).toBeGreaterThan(200);
  }, 300_000);
});
