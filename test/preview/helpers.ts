/**
 * Helpers of the preview and profile suites: an app whose integration sends to the emulator,
 * signed webhooks, running processing and delivery until the outbox is empty, and a snapshot
 * of every table to prove a request changed nothing.
 */
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { createProcessingWorker } from '../../src/processing/processing-worker.js';
import { AUTH, type TestContext } from '../helpers/context.js';
import { waitFor } from '../delivery/helpers.js';
import { signedHeaders } from '../ingest/helpers.js';

export const SECRET = 'purchasely-preview-secret';
export const MAIN = { accountId: 'W9R-PREVIEW-MAIN', passcode: 'main-passcode' };
export const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

/** Properties the suites enable, one renamed so comparisons go through CleverTap names. */
export const PROPERTIES = {
  plan: { enabled: true, name: 'Plan Name' },
  subscription_status: { enabled: true },
  has_active_subscription: { enabled: true },
  next_renewal_at: { enabled: true },
  trial_ends_at: { enabled: true },
  store: { enabled: true },
};

/** Creates an app over the API and saves its CleverTap settings (enabled, main account, renames). */
export async function createIntegratedApp(app: FastifyInstance, settings: Record<string, unknown> = {}): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Preview', webhookSecret: SECRET } });
  expect(created.statusCode).toBe(201);
  const appId = (created.json() as { id: string }).id;
  const res = await app.inject({
    method: 'PUT',
    url: `/api/v1/apps/${appId}/integrations/clevertap`,
    headers: AUTH,
    payload: {
      enabled: true,
      region: 'eu1',
      ...MAIN,
      events: { SUBSCRIPTION_STARTED: { enabled: true }, SUBSCRIPTION_TRANSFERRED: { enabled: true }, RENEWAL_DISABLED: { enabled: true, name: 'Renewal Off' } },
      userProperties: PROPERTIES,
      ...settings,
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  return appId;
}

/** A subscription event of `userId` (anonymous when `userId` is null), dates relative to T0. */
export function subscriptionEvent(
  eventId: string,
  eventName: string,
  ids: { userId: string | null; anonymousUserId?: string | null },
  at: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    api_version: 3,
    event_id: eventId,
    event_name: eventName,
    event_created_at: iso(at),
    event_created_at_ms: at,
    user_id: ids.userId,
    anonymous_user_id: ids.anonymousUserId ?? null,
    environment: 'PRODUCTION',
    store: 'APPLE_APP_STORE',
    plan: 'monthly',
    product: 'PLUS',
    purchase_type: 'RENEWING_SUBSCRIPTION',
    subscription_status: 'AUTO_RENEWING',
    offer_type: 'NONE',
    purchasely_subscription_id: `sub-${ids.userId ?? ids.anonymousUserId}`,
    purchased_at: iso(T0),
    purchased_at_ms: T0,
    next_renewal_at: iso(T0 + 30 * 86_400_000),
    next_renewal_at_ms: T0 + 30 * 86_400_000,
    ...extra,
  };
}

/** Posts a signed webhook and expects a 200. */
export async function postEvent(app: FastifyInstance, appId: string, payload: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(payload);
  const res = await app.inject({ method: 'POST', url: `/webhooks/purchasely/${appId}`, headers: signedHeaders(SECRET, body), payload: body });
  expect(res.statusCode, res.body).toBe(200);
}

/** Runs processing and delivery until no event waits and no record is pending or in flight, then stops them. */
export async function settle(ctx: AppContext): Promise<void> {
  const workers = [createProcessingWorker(ctx, { idleMs: 20 }), createDeliveryWorker(ctx, { pollMs: 20, lingerMs: 5 })];
  try {
    await waitFor(
      async () => {
        const row = await ctx.store.db.get<{ n: number }>(
          `SELECT (SELECT COUNT(*) FROM events WHERE status = 'received') + (SELECT COUNT(*) FROM records WHERE state IN ('pending', 'in_flight')) AS n`,
        );
        return Number(row?.n ?? 0) === 0;
      },
      20_000,
      'processing and delivery to finish',
    );
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}

/** Every table's name. */
async function tableNames(t: TestContext): Promise<string[]> {
  const rows =
    t.db.dialect === 'sqlite'
      ? await t.ctx.store.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      : await t.ctx.store.db.all<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name');
  return rows.map((r) => r.name);
}

/** Per table: its row count and every row as JSON text (ordered), so any change shows. */
export async function everyTable(t: TestContext): Promise<Record<string, { rows: number; content: string }>> {
  const out: Record<string, { rows: number; content: string }> = {};
  for (const name of await tableNames(t)) {
    const rows = await t.ctx.store.db.all<Record<string, unknown>>(`SELECT * FROM ${name}`);
    const content = rows
      .map((r) =>
        JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('base64') : typeof v === 'bigint' ? String(v) : v)),
      )
      .sort()
      .join('\n');
    out[name] = { rows: rows.length, content };
  }
  return out;
}
