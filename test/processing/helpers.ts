import { readFileSync } from 'node:fs';
import { createApp } from '../../src/apps/apps-service.js';
import type { AppContext } from '../../src/context.js';
import { processBatch } from '../../src/processing/process-batch.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../../src/purchasely/catalog.js';
import { applyPut } from '../../src/settings/index.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

export const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;
export type FixtureName = 'ACTIVATE' | 'SUBSCRIPTION_STARTED' | 'TRANSACTION_PROCESSED';

/** A documented payload as an object (a fresh copy each call, so tests may change it). */
export function fixture(name: FixtureName): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}/${name}.json`, 'utf8')) as Record<string, unknown>;
}

/** Creates an app and returns its id and SDK key. */
export async function createTestApp(ctx: AppContext): Promise<{ appId: string; sdkKey: string }> {
  const app = await createApp(ctx, { name: 'Processing test', webhookSecret: 'foobar' });
  return { appId: app.id, sdkKey: app.sdkKey };
}

/** Every catalogue event and user property on, the integration enabled; `overrides` is PUT's body on top. */
export function allEnabledSettingsIn(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    enabled: true,
    region: 'eu1',
    accountId: 'W9R-486-4W5Z',
    events: Object.fromEntries(EVENT_CATALOG.map((e) => [e.name, { enabled: true }])),
    userProperties: Object.fromEntries(USER_PROPERTY_CATALOG.map((p) => [p.name, { enabled: true }])),
    ...overrides,
  };
}

/** Stores the app's integration settings the way PUT would (validated by applyPut). */
export async function storeSettings(ctx: AppContext, appId: string, input: Record<string, unknown>): Promise<void> {
  const result = applyPut(input);
  if (!result.ok) throw new Error(`invalid test settings: ${JSON.stringify(result.details)}`);
  await ctx.store.db.run(
    `INSERT INTO integrations (app_id, settings_json, passcode_enc, sandbox_passcode_enc, updated_at) VALUES (?, ?, NULL, NULL, ?)
     ON CONFLICT (app_id) DO UPDATE SET settings_json = excluded.settings_json, updated_at = excluded.updated_at`,
    [appId, JSON.stringify(result.settings), ctx.clock.now()],
  );
}

/** Stores an event as the webhook does (status `received`), returning its seq. */
export async function insertEvent(ctx: AppContext, appId: string, payload: Record<string, unknown>): Promise<number> {
  const userId = typeof payload['user_id'] === 'string' ? payload['user_id'] : null;
  const anonymousUserId = typeof payload['anonymous_user_id'] === 'string' ? payload['anonymous_user_id'] : null;
  await ctx.store.db.run(
    `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment,
       received_at, event_created_at, status, reason, duplicates, raw_body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', NULL, 0, ?)`,
    [
      appId,
      String(payload['event_id']),
      String(payload['event_name']),
      userId ?? anonymousUserId,
      userId,
      anonymousUserId,
      (payload['environment'] as string | undefined) ?? null,
      ctx.clock.now(),
      (payload['event_created_at_ms'] as number | undefined) ?? null,
      Buffer.from(JSON.stringify(payload)),
    ],
  );
  const row = await ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [appId, String(payload['event_id'])]);
  return Number(row!.seq);
}

/** Runs processing until no `received` event is left. */
export async function processAll(ctx: AppContext, limit = 500): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    const result = await processBatch(ctx, { limit });
    if (result.processed === 0 && !result.busy) return;
  }
  throw new Error('processing did not finish');
}

/** An outbox row as tests compare it. */
export interface StoredRecord {
  id: number;
  eventId: string;
  userKey: string;
  userId: string | null;
  anonymousUserId: string | null;
  target: string;
  kind: string;
  state: string;
  reason: string | null;
  generation: number;
  holdUntil: number | null;
  nextAttemptAt: number;
  body: unknown;
}

/** The app's outbox, in id (= send) order. */
export async function readRecords(ctx: AppContext, appId: string): Promise<StoredRecord[]> {
  const rows = await ctx.store.db.all<Record<string, unknown>>('SELECT * FROM records WHERE app_id = ? ORDER BY id', [appId]);
  return rows.map((r) => ({
    id: Number(r['id']),
    eventId: String(r['event_id']),
    userKey: String(r['user_key']),
    userId: (r['user_id'] as string | null) ?? null,
    anonymousUserId: (r['anonymous_user_id'] as string | null) ?? null,
    target: String(r['target']),
    kind: String(r['kind']),
    state: String(r['state']),
    reason: (r['reason'] as string | null) ?? null,
    generation: Number(r['generation']),
    holdUntil: r['hold_until'] === null ? null : Number(r['hold_until']),
    nextAttemptAt: Number(r['next_attempt_at']),
    body: JSON.parse(String(r['body_json'])),
  }));
}

/** `{status, reason}` of one stored event. */
export async function readEventStatus(ctx: AppContext, appId: string, eventId: string): Promise<{ status: string; reason: string | null }> {
  const row = await ctx.store.db.get<{ status: string; reason: string | null }>('SELECT status, reason FROM events WHERE app_id = ? AND event_id = ?', [appId, eventId]);
  if (!row) throw new Error(`no event ${eventId}`);
  return { status: row.status, reason: row.reason ?? null };
}

/** How a profile record removes a property in CleverTap. */
export const REMOVED = { $delete: true } as const;

/**
 * The whole profile (every catalogue property enabled, Purchasely names) of a user who owns no
 * purchase any more: every subscription value removed, every boolean false. Written out by hand
 * on purpose, independently of the mapper; `user` gives the user-level values.
 */
export function profileOwningNothing(user: Record<string, unknown>): Record<string, unknown> {
  return {
    user_id: REMOVED,
    anonymous_user_id: REMOVED,
    has_active_subscription: false,
    has_expired_subscription: false,
    subscription_status: REMOVED,
    environment: REMOVED,
    store: REMOVED,
    store_country: REMOVED,
    product: REMOVED,
    plan: REMOVED,
    plan_periodicity: REMOVED,
    previous_plan: REMOVED,
    store_product_id: REMOVED,
    offer_type: REMOVED,
    promotional_offer_id: REMOVED,
    is_family_shared: false,
    content_id: REMOVED,
    purchasely_subscription_id: REMOVED,
    subscription_started_at: REMOVED,
    purchased_at: REMOVED,
    original_purchased_at: REMOVED,
    next_renewal_at: REMOVED,
    effective_next_renewal_at: REMOVED,
    grace_period_expires_at: REMOVED,
    is_auto_renewing: false,
    is_in_grace_period: false,
    is_in_billing_retry: false,
    is_in_trial: false,
    is_in_intro_offer: false,
    is_promo_code: false,
    trial_ends_at: REMOVED,
    last_event: REMOVED,
    cumulated_revenue_in_usd: REMOVED,
    expired_subscription_status: REMOVED,
    expired_subscription_plan: REMOVED,
    expired_subscription_offer_type: REMOVED,
    expired_subscription_expired_at: REMOVED,
    cumulated_revenues: REMOVED,
    revenue_currency: REMOVED,
    has_lifetime_access: false,
    last_one_time_purchase_at: REMOVED,
    ...user,
  };
}
