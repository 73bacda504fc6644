/**
 * The mission as a test: whatever happens to a user's subscriptions, and in whatever order
 * Purchasely's events arrive, the profile CleverTap holds equals the bridge's own snapshot of
 * the user, property by property, with nothing stale.
 *
 * For each seed, the simulator's lifecycles (trials, conversions, grace, billing retry, refunds,
 * plan changes, transfers, promotional offers, one-time purchases, sandbox and production) are
 * signed and posted to the webhook in a shuffled order with retries mixed in; processing and
 * delivery run meanwhile, to the emulator over real HTTP. At the end every user's stored
 * snapshot is turned into the profile CleverTap should hold (written here independently of the
 * bridge's mapper) and compared with the emulator's stored profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createDeliveryWorker } from '../../src/delivery/delivery-worker.js';
import { buildApp } from '../../src/http/app.js';
import { createProcessingWorker } from '../../src/processing/processing-worker.js';
import { USER_PROPERTY_CATALOG } from '../../src/purchasely/catalog.js';
import type { BackgroundWorker } from '../../src/context.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createRandom, generateLifecycles, type SimulatedEvent } from '../../tools/purchasely-simulator/index.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { waitFor } from '../delivery/helpers.js';
import { signedHeaders } from '../ingest/helpers.js';

const SEEDS = 200;
const USERS_PER_SEED = 3;
const SECRET = 'purchasely-shared-secret';
const MAIN = { accountId: 'W9R-TRUTH-MAIN', passcode: 'main-passcode' };
const SANDBOX = { accountId: 'W9R-TRUTH-SANDBOX', passcode: 'sandbox-passcode' };
/** A few renames, so the comparison goes through the CleverTap names a customer chose. */
const RENAMES: Readonly<Record<string, string>> = { plan: 'Plan Name', has_active_subscription: 'Is Subscriber', trial_ends_at: 'Trial Ends' };
const clevertapName = (property: string): string => RENAMES[property] ?? property;
const clevertapIdOf = (anonymousUserId: string): string => `ct-${anonymousUserId}`;

/** Every simulated event of every seed, each seed's events shuffled, about one in ten sent twice. */
function arrivals(): { events: SimulatedEvent[]; seedOfUser: Map<string, number>; anonymousIds: Set<string> } {
  const events: SimulatedEvent[] = [];
  const seedOfUser = new Map<string, number>();
  const anonymousIds = new Set<string>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const lifecycles = generateLifecycles({ users: USERS_PER_SEED, seed, startMs: Date.UTC(2025, 0, 1), speed: 1, sandboxRatio: 0.25 });
    const rng = createRandom(seed * 7919);
    const own = lifecycles.flatMap((l) => l.events);
    for (const ev of own) {
      seedOfUser.set(ev.userKey, seed);
      for (const key of ['anonymous_user_id', 'transferred_to_user_id'] as const) {
        const id = ev.payload[key];
        if (typeof id === 'string') seedOfUser.set(id, seed);
      }
      const anonymous = ev.payload['anonymous_user_id'];
      if (typeof anonymous === 'string') anonymousIds.add(anonymous);
    }
    const retries = own.filter(() => rng.chance(0.1));
    const shuffled = [...own, ...retries];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [shuffled[i], shuffled[j]] = [shuffled[j] as SimulatedEvent, shuffled[i] as SimulatedEvent];
    }
    events.push(...shuffled);
  }
  return { events, seedOfUser, anonymousIds };
}

/** The profile CleverTap should hold for a snapshot: no key for a property without a value. */
function expectedProfile(snapshot: Record<string, unknown>): Record<string, unknown> {
  const profile: Record<string, unknown> = {};
  for (const { name, type } of USER_PROPERTY_CATALOG) {
    const value = snapshot[name] ?? null;
    if (value === null) continue;
    profile[clevertapName(name)] = type === 'date' ? `$D_${Math.floor((value as number) / 1000)}` : value;
  }
  return profile;
}

describe.each(DIALECTS)('CleverTap holds the truth (%s)', (dialect) => {
  let t: TestContext;
  let emu: ClevertapEmulator;
  let app: FastifyInstance;
  let workers: BackgroundWorker[] = [];

  beforeAll(async () => {
    emu = await startClevertapEmulator({ accounts: [MAIN, SANDBOX] });
    t = await createTestContext(dialect, { env: { PCBRIDGE_CLEVERTAP_BASE_URL: emu.url } });
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await app?.close();
    await t?.close();
    await emu?.close();
  });

  it(`for ${SEEDS} seeds of simulated lifecycles in any arrival order, every user's CleverTap profile equals the bridge's snapshot`, async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Truth', webhookSecret: SECRET } });
    const appId = (created.json() as { id: string }).id;
    const settings = await app.inject({
      method: 'PUT',
      url: `/api/v1/apps/${appId}/integrations/clevertap`,
      headers: AUTH,
      payload: {
        enabled: true,
        region: 'eu1',
        ...MAIN,
        sandbox: 'sandbox_account',
        sandboxAccount: { region: 'eu1', ...SANDBOX },
        events: { SUBSCRIPTION_STARTED: { enabled: true }, TRANSACTION_PROCESSED: { enabled: true } },
        userProperties: Object.fromEntries(USER_PROPERTY_CATALOG.map((p) => [p.name, { enabled: true, name: clevertapName(p.name) }])),
      },
    });
    expect(settings.statusCode).toBe(200);

    const { events, seedOfUser, anonymousIds } = arrivals();
    // The app syncs a CleverTap ID for its anonymous users, as Purchasely's SDK integration does.
    for (const anonymousUserId of anonymousIds) {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/v1/apps/${appId}/users/${encodeURIComponent(anonymousUserId)}/attributes`,
        headers: AUTH,
        payload: { clevertap_id: clevertapIdOf(anonymousUserId) },
      });
      expect(res.statusCode).toBe(200);
    }

    workers = [createProcessingWorker(t.ctx, { idleMs: 20 }), createDeliveryWorker(t.ctx)];
    const CONCURRENT = 32;
    for (let i = 0; i < events.length; i += CONCURRENT) {
      await Promise.all(
        events.slice(i, i + CONCURRENT).map(async (ev) => {
          const body = JSON.stringify(ev.payload);
          const res = await app.inject({ method: 'POST', url: `/webhooks/purchasely/${appId}`, headers: signedHeaders(SECRET, body), payload: body });
          expect(res.statusCode).toBe(200);
        }),
      );
    }

    const open = async (): Promise<number> => {
      const row = await t.ctx.store.db.get<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM events WHERE status = 'received') + (SELECT COUNT(*) FROM records WHERE state IN ('pending', 'in_flight', 'held')) AS n`,
      );
      return Number(row?.n ?? 0);
    };
    await waitFor(async () => (await open()) === 0, 240_000, 'every event processed and every record delivered');
    const failed = await t.ctx.store.db.all<{ kind: string; last_message: string }>(`SELECT kind, last_message FROM records WHERE state IN ('failed', 'skipped')`);
    expect(failed).toEqual([]);

    const users = await t.ctx.store.db.all<{ environment: string; user_key: string; properties_json: string }>(
      `SELECT environment, user_key, properties_json FROM user_states WHERE app_id = ? ORDER BY environment, user_key`,
      [appId],
    );
    const mismatches: string[] = [];
    const checked = new Set<string>();
    for (const user of users) {
      const snapshot = JSON.parse(user.properties_json) as Record<string, unknown>;
      const account = user.environment === 'SANDBOX' ? SANDBOX.accountId : MAIN.accountId;
      const identifier = anonymousIds.has(user.user_key) ? { objectId: clevertapIdOf(user.user_key) } : { identity: user.user_key };
      checked.add(`${account}\n${JSON.stringify(identifier)}`);
      const held = emu.profile(account, identifier)?.profileData ?? {};
      const expected = expectedProfile(snapshot);
      for (const key of new Set([...Object.keys(expected), ...Object.keys(held)])) {
        if (JSON.stringify(expected[key]) !== JSON.stringify(held[key])) {
          mismatches.push(
            `seed ${seedOfUser.get(user.user_key)} ${user.environment} ${user.user_key} "${key}": bridge ${JSON.stringify(expected[key])}, CleverTap ${JSON.stringify(held[key])}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    // CleverTap holds no profile data the bridge does not know of.
    const strangers = emu.profiles().filter((p) => Object.keys(p.profileData).length > 0 && !checked.has(`${p.account}\n${JSON.stringify(p.identifier)}`));
    expect(strangers.map((p) => p.identifier)).toEqual([]);

    // The run covered what the invariant is about: removals, lapsed users, one-time purchases, both accounts.
    const sent = emu.records().map((s) => s.record as { type: string; profileData?: Record<string, unknown> });
    const removals = sent.flatMap((r) => Object.values(r.profileData ?? {})).filter((v) => typeof v === 'object' && v !== null && '$delete' in v);
    const snapshots = users.map((u) => JSON.parse(u.properties_json) as Record<string, unknown>);
    expect(users.length).toBeGreaterThan(SEEDS * USERS_PER_SEED);
    expect(removals.length).toBeGreaterThan(100);
    expect(snapshots.filter((s) => s['has_expired_subscription'] === true).length).toBeGreaterThan(10);
    expect(snapshots.filter((s) => s['last_one_time_purchase_at'] !== null).length).toBeGreaterThan(10);
    expect(snapshots.filter((s) => s['has_lifetime_access'] === true).length).toBeGreaterThan(0);
    expect(new Set(emu.profiles().map((p) => p.account))).toEqual(new Set([MAIN.accountId, SANDBOX.accountId]));
  }, 600_000);
});
