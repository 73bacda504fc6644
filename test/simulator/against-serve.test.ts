import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { createPurchaselySimulator } from '../../tools/purchasely-simulator/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { runCli, startServeProcess, type ServerProcess } from '../helpers/processes.js';

const SECRET = 'purchasely-shared-secret';

describe('simulator against a real pcbridge serve', () => {
  let t: TestContext;
  let serve: ServerProcess;
  let appId: string;

  beforeAll(async () => {
    t = await createTestContext('sqlite');
    appId = (await createApp(t.ctx, { name: 'Simulated', webhookSecret: SECRET })).id;
    serve = await startServeProcess(t.env);
  });
  afterAll(async () => {
    await serve?.stop();
    await t.close();
  });

  it('delivers a seeded cohort with valid signatures: the server stores every event and quarantines none', async () => {
    const simulator = createPurchaselySimulator({ target: `${serve.baseUrl}/webhooks/purchasely/${appId}`, secret: SECRET, users: 15, seed: 11, pace: false });
    const expected = simulator.lifecycles().flatMap((l) => l.events);
    const summary = await simulator.run();
    expect(summary.statusCounts).toEqual({ '200': expected.length });
    expect(summary.acknowledged).toBe(expected.length);

    const rows = await t.ctx.store.db.all<{ event_id: string; event_name: string; user_key: string; status: string; event_created_at: number }>(
      'SELECT event_id, event_name, user_key, status, event_created_at FROM events WHERE app_id = ? ORDER BY seq',
      [appId],
    );
    expect(rows).toHaveLength(expected.length);
    expect(rows.filter((r) => r.status === 'quarantined')).toEqual([]);
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    for (const e of expected) {
      const row = byId.get(String(e.payload.event_id));
      expect(row).toMatchObject({ event_name: e.payload.event_name, user_key: e.userKey, event_created_at: e.dueAtMs });
    }
    // Per user, the server received the events in the order they happened.
    const users = new Set(expected.map((e) => e.userKey));
    for (const user of users) {
      expect(rows.filter((r) => r.user_key === user).map((r) => r.event_id)).toEqual(expected.filter((e) => e.userKey === user).map((e) => e.payload.event_id));
    }
  });

  it('runs as pcbridge simulate purchasely, and a wrong argument exits 2 with one line', async () => {
    const target = `${serve.baseUrl}/webhooks/purchasely/${appId}`;
    const expected = createPurchaselySimulator({ target, secret: SECRET, users: 3, seed: 77, pace: false })
      .lifecycles()
      .flatMap((l) => l.events).length;
    const ok = await runCli(['simulate', 'purchasely', '--target', target, '--secret', SECRET, '--users', '3', '--seed', '77', '--no-pace'], t.env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`generated ${expected} events, acknowledged ${expected}, retries 0, abandoned 0, pending 0`);

    const badUsers = await runCli(['simulate', 'purchasely', '--target', target, '--secret', SECRET, '--users', 'many'], t.env);
    expect(badUsers.code).toBe(2);
    expect(badUsers.stderr).toContain('--users');
    const noSecret = await runCli(['simulate', 'purchasely', '--target', target], { ...t.env, PCBRIDGE_WEBHOOK_SECRET: undefined });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr.trim().split('\n')).toHaveLength(1);
  }, 90_000);
});
