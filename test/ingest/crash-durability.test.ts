import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { loadFixtureBytes, signedHeaders } from './helpers.js';

describe.each(DIALECTS)('an acknowledged webhook survives kill -9 on %s', (dialect) => {
  let t: TestContext;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    // The context migrates the database and records the key fingerprint; the children reuse both.
    t = await createTestContext(dialect);
    await t.ctx.store.close();
  });
  afterAll(async () => {
    if (server) await server.stop('SIGKILL');
    await t.close();
  });

  it('finds the event after a restart when the server was killed right after the 200', async () => {
    server = await startServeProcess({ ...t.env, PCBRIDGE_ROLE: 'api' });
    const created = await request(`${server.baseUrl}/api/v1/apps`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Crash', webhookSecret: 'crash-secret' }),
    });
    expect(created.statusCode).toBe(201);
    const { id } = (await created.body.json()) as { id: string };

    const body = loadFixtureBytes('ACTIVATE');
    const res = await request(`${server.baseUrl}/webhooks/purchasely/${id}`, { method: 'POST', body, headers: signedHeaders('crash-secret', body) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const killed = await server.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    server = await startServeProcess({ ...t.env, PCBRIDGE_ROLE: 'api' });
    const got = await request(`${server.baseUrl}/api/v1/apps/${id}/events/5e45109f-7fac-45f8-a7e4-464892d5d35d`, { headers: AUTH });
    expect(got.statusCode).toBe(200);
    const event = (await got.body.json()) as { eventId: string; eventName: string; payload: { user_id: string } };
    expect(event).toMatchObject({ eventId: '5e45109f-7fac-45f8-a7e4-464892d5d35d', eventName: 'ACTIVATE' });
    expect(event.payload.user_id).toBe('toto');
  });
});
