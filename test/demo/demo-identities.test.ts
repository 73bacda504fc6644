/**
 * The demo's stand-in mobile app (issue 17): most anonymous users get a CleverTap ID through the
 * attributes API with the SDK key, as a real app would, so the demo shows deliveries rather
 * than a wall of held events.
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IDENTIFIED_SHARE, demoClevertapId, isIdentifiedDemoUser, startDemoIdentities } from '../../src/demo/demo-app-identities.js';
import { ensureDemoApp } from '../../src/demo/demo-setup.js';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';

describe('the demo app setting CleverTap IDs', () => {
  let t: TestContext;
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    t = await createTestContext('sqlite');
    server = await buildApp(t.ctx);
    await server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('picks a stable large majority of anonymous users', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `anon-${i}`);
    const share = keys.filter((k) => isIdentifiedDemoUser(k)).length / keys.length;
    expect(share).toBeGreaterThan(DEMO_IDENTIFIED_SHARE - 0.05);
    expect(share).toBeLessThan(DEMO_IDENTIFIED_SHARE + 0.05);
    expect(keys.map((k) => isIdentifiedDemoUser(k))).toEqual(keys.map((k) => isIdentifiedDemoUser(k)));
  });

  it('sets the CleverTap ID of most anonymous users through the attributes API with the SDK key', async () => {
    const { appId, sdkKey } = await ensureDemoApp(t.ctx);
    const again = await ensureDemoApp(t.ctx);
    expect(again.appId).toBe(appId);
    expect(again.sdkKey).not.toBe(sdkKey);
    const anonymous = Array.from({ length: 40 }, (_, i) => `demo-anon-${i}`);
    for (const [i, key] of anonymous.entries()) {
      await t.ctx.store.db.run(
        `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, raw_body)
         VALUES (?, ?, 'ACTIVATE', ?, NULL, ?, 'PRODUCTION', ?, ?, 'received', NULL, ?)`,
        [appId, `evt-${i}`, key, key, Date.now(), Date.now(), Buffer.from('{}')],
      );
    }
    const identities = startDemoIdentities(t.ctx, { baseUrl: base, appId, sdkKey: again.sdkKey, intervalMs: 50 });
    const expected = anonymous.filter((k) => isIdentifiedDemoUser(k));
    const deadline = Date.now() + 10_000;
    while (identities.identified() < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await identities.stop();
    expect(identities.identified()).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(anonymous.length / 2);
    const rows = await t.ctx.store.db.all<{ user_key: string; clevertap_id: string }>('SELECT user_key, clevertap_id FROM user_attributes WHERE app_id = ? ORDER BY user_key', [
      appId,
    ]);
    expect(rows.map((r) => r.user_key).sort()).toEqual([...expected].sort());
    expect(rows.every((r) => r.clevertap_id === demoClevertapId(r.user_key))).toBe(true);
  });
});
