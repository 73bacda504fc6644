/**
 * Test helpers of the delivery suite: an app with a CleverTap integration pointing at the
 * emulator, outbox records written straight into the `records` table (as processing would),
 * and readers for the emulator's view.
 */
import { afterEach } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { createApp } from '../../src/apps/apps-service.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import type { ClevertapEmulator, StoredRecord } from '../../tools/clevertap-emulator/index.js';
import type { TestContext } from '../helpers/context.js';
import type { ServerProcess } from '../helpers/processes.js';

export const ACCOUNT_ID = 'W9R-DELIVERY-TEST';
export const PASSCODE = 'delivery-passcode';

/** Creates an app whose integration sends to `accountId` in eu1 with `passcode`. */
export async function createAppWithIntegration(
  ctx: AppContext,
  opts: { accountId?: string; passcode?: string; identityMode?: 'auto' | 'object_id' | 'identity' } = {},
): Promise<string> {
  const app = await createApp(ctx, { name: 'delivery test', webhookSecret: 'whsec-test' });
  await setIntegration(ctx, app.id, opts);
  return app.id;
}

/** Writes (or replaces) the app's integration row. */
export async function setIntegration(
  ctx: AppContext,
  appId: string,
  opts: { accountId?: string; passcode?: string; identityMode?: 'auto' | 'object_id' | 'identity' } = {},
): Promise<void> {
  const settings = defaultIntegrationSettings();
  settings.enabled = true;
  settings.region = 'eu1';
  settings.accountId = opts.accountId ?? ACCOUNT_ID;
  settings.identity.mode = opts.identityMode ?? 'auto';
  await ctx.store.db.run(
    `INSERT INTO integrations (app_id, settings_json, passcode_enc, sandbox_passcode_enc, updated_at) VALUES (?, ?, ?, NULL, ?)
     ON CONFLICT (app_id) DO UPDATE SET settings_json = excluded.settings_json, passcode_enc = excluded.passcode_enc, updated_at = excluded.updated_at`,
    [appId, JSON.stringify(settings), ctx.secrets.encrypt(opts.passcode ?? PASSCODE), Date.now()],
  );
}

/** One outbox record to write. `n` is put into evtData so order and duplicates can be checked. */
export interface TestRecord {
  userId: string | null;
  anonymousUserId?: string | null;
  n: number;
  state?: 'pending' | 'held';
  evtName?: string;
  /** Event time; default now. */
  createdAt?: number;
  /** Extra evtData. */
  data?: Record<string, string | number | boolean>;
}

/**
 * Writes an event row (status 'pending', so processing leaves it alone) and one event record per
 * item, in the given order (record ids grow in that order). Returns the record ids.
 */
export async function insertRecords(ctx: AppContext, appId: string, items: readonly TestRecord[]): Promise<number[]> {
  const now = Date.now();
  const ids: number[] = [];
  const PER_TX = 500;
  for (let start = 0; start < items.length; start += PER_TX) {
    const part = items.slice(start, start + PER_TX);
    await ctx.store.db.transaction(async (q) => {
      for (const item of part) {
        const userKey = item.userId ?? item.anonymousUserId!;
        const eventId = `evt-${appId}-${item.n}`;
        const createdAt = item.createdAt ?? now;
        const ev = await q.get<{ seq: number }>(
          `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status)
           VALUES (?, ?, 'SUBSCRIPTION_STARTED', ?, ?, ?, 'PRODUCTION', ?, ?, 'pending') RETURNING seq`,
          [appId, eventId, userKey, item.userId, item.anonymousUserId ?? null, now, createdAt],
        );
        const body = {
          type: 'event',
          evtName: item.evtName ?? 'SUBSCRIPTION_STARTED',
          evtData: { event_id: eventId, n: item.n, user: userKey, ...item.data },
          ts: Math.floor(createdAt / 1000),
        };
        const rec = await q.get<{ id: number }>(
          `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, anonymous_user_id, environment, target, kind, body_json, state, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'PRODUCTION', 'main', 'event', ?, ?, ?, ?) RETURNING id`,
          [appId, Number(ev!.seq), eventId, userKey, item.userId, item.anonymousUserId ?? null, JSON.stringify(body), item.state ?? 'pending', now, now],
        );
        ids.push(Number(rec!.id));
      }
    });
  }
  return ids;
}

/** `count` records per user for `users` users, user-major (user 0's records first), numbered 0…. */
export function recordsForUsers(users: number, perUser: number, prefix = 'user'): TestRecord[] {
  const out: TestRecord[] = [];
  for (let u = 0; u < users; u++) for (let i = 0; i < perUser; i++) out.push({ userId: `${prefix}-${u}`, n: u * perUser + i });
  return out;
}

/** The `n` of each stored record, grouped by user, in arrival order. */
export function arrivalsByUser(stored: readonly StoredRecord[]): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  for (const s of stored) {
    const record = s.record as { evtData?: { user?: string; n?: number } };
    const user = record.evtData?.user;
    const n = record.evtData?.n;
    if (user === undefined || n === undefined) continue;
    let list = byUser.get(user);
    if (!list) byUser.set(user, (list = []));
    list.push(n);
  }
  return byUser;
}

/** Counts of what arrived: distinct records, duplicates, and users whose first arrivals are out of order. */
export function summarizeArrivals(stored: readonly StoredRecord[]): { distinct: number; duplicates: number; outOfOrderUsers: string[] } {
  let distinct = 0;
  let duplicates = 0;
  const outOfOrderUsers: string[] = [];
  for (const [user, ns] of arrivalsByUser(stored)) {
    const seen = new Set<number>();
    let last = -1;
    let ordered = true;
    for (const n of ns) {
      if (seen.has(n)) {
        duplicates += 1;
        continue;
      }
      seen.add(n);
      distinct += 1;
      if (n < last) ordered = false;
      last = n;
    }
    if (!ordered) outOfOrderUsers.push(user);
  }
  return { distinct, duplicates, outOfOrderUsers };
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Record counts by state. */
export async function countByState(ctx: AppContext): Promise<Record<string, number>> {
  const rows = await ctx.store.db.all<{ state: string; n: number }>(`SELECT state, COUNT(*) AS n FROM records GROUP BY state`);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

export type { ClevertapEmulator };

/** What a test with `serve` child processes sets up; `useServeProcesses` releases it after each test. */
export interface ServeProcessesSetup {
  t: TestContext | null;
  emu: ClevertapEmulator | null;
  servers: ServerProcess[];
}

/** Registers an afterEach that SIGKILLs the test's servers, then closes its context and emulator. */
export function useServeProcesses(): ServeProcessesSetup {
  const setup: ServeProcessesSetup = { t: null, emu: null, servers: [] };
  afterEach(async () => {
    await Promise.all(setup.servers.splice(0).map((s) => s.stop('SIGKILL')));
    await setup.t?.close();
    await setup.emu?.close();
    setup.t = null;
    setup.emu = null;
  });
  return setup;
}
