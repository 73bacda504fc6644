import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { useTestApi } from '../helpers/api.js';
import { AUTH, createTestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp } from '../helpers/integrations.js';

const ACCOUNT = 'W9R-TEST-US';
const PASSCODE = 'emulator-pass-us1-5f3e';
const SANDBOX_ACCOUNT = 'W9R-SBX-IN';
const SANDBOX_PASSCODE = 'emulator-pass-in1-77aa';

/** A localhost port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(DIALECTS)('CleverTap credential test on %s', (dialect) => {
  let emu: ClevertapEmulator;
  beforeAll(async () => {
    emu = await startClevertapEmulator({
      accounts: [
        { accountId: ACCOUNT, passcode: PASSCODE, region: 'us1' },
        { accountId: SANDBOX_ACCOUNT, passcode: SANDBOX_PASSCODE, region: 'in1' },
      ],
    });
  });
  afterAll(async () => {
    await emu.close();
  });
  // Registered after the emulator's hooks: opens once the emulator runs, closes before it stops.
  const api = useTestApi(dialect, () => ({ env: { PCBRIDGE_CLEVERTAP_BASE_URL: `${emu.url}/{region}`, PCBRIDGE_CLEVERTAP_TIMEOUT: '5s' } }));

  const save = async (appId: string, payload: object) => {
    const res = await api.app.inject({ method: 'PUT', url: `/api/v1/apps/${appId}/integrations/clevertap`, headers: AUTH, payload });
    expect(res.statusCode).toBe(200);
  };
  const check = async (appId: string, payload?: object) =>
    api.app.inject({ method: 'POST', url: `/api/v1/apps/${appId}/integrations/clevertap/test`, headers: AUTH, ...(payload ? { payload } : {}) });

  it('says ok when the saved credentials are right', async () => {
    const appId = await createTestApp(api.app);
    await save(appId, { region: 'us1', accountId: ACCOUNT, passcode: PASSCODE });
    const res = await check(appId);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, message: expect.stringContaining('accepted') });
    expect(res.body).not.toContain(PASSCODE);
  });

  it('says the passcode or account is wrong when no region accepts them', async () => {
    const appId = await createTestApp(api.app);
    await save(appId, { region: 'us1', accountId: ACCOUNT, passcode: 'not-the-passcode' });
    const res = await check(appId);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.reason).toBe('auth_failed');
    expect(body.acceptedRegion).toBeUndefined();
    expect(body.message).toMatch(/refused the account ID and passcode/);
    expect(res.body).not.toContain('not-the-passcode');
  });

  it('names the region that accepts the credentials when the saved region is wrong', async () => {
    const appId = await createTestApp(api.app);
    await save(appId, { region: 'eu1', accountId: ACCOUNT, passcode: PASSCODE });
    const res = await check(appId);
    const body = res.json();
    expect(body.ok).toBe(false);
    expect(body.reason).toBe('auth_failed');
    expect(body.acceptedRegion).toBe('us1');
    expect(body.message).toContain('us1');
  });

  it('tests credentials given in the body before they are saved', async () => {
    const appId = await createTestApp(api.app);
    const good = await check(appId, { region: 'us1', accountId: ACCOUNT, passcode: PASSCODE });
    expect(good.json().ok).toBe(true);
    // Only the passcode given: region and account ID come from the saved settings.
    await save(appId, { region: 'us1', accountId: ACCOUNT, passcode: 'stale-passcode' });
    expect((await check(appId)).json().ok).toBe(false);
    expect((await check(appId, { passcode: PASSCODE })).json().ok).toBe(true);
    // The check saves nothing.
    const row = await api.t.ctx.store.integrations.get(appId);
    expect(api.t.ctx.secrets.decrypt(row!.passcodeEnc!)).toBe('stale-passcode');
  });

  it('tests the saved sandbox account when asked for target sandbox', async () => {
    const appId = await createTestApp(api.app);
    await save(appId, {
      region: 'us1',
      accountId: ACCOUNT,
      passcode: 'wrong-main-passcode',
      sandbox: 'sandbox_account',
      sandboxAccount: { region: 'in1', accountId: SANDBOX_ACCOUNT, passcode: SANDBOX_PASSCODE },
    });
    expect((await check(appId, { target: 'sandbox' })).json().ok).toBe(true);
    expect((await check(appId, { target: 'main' })).json().ok).toBe(false);
  });

  it('answers 422 naming what is missing when nothing is saved or given', async () => {
    const appId = await createTestApp(api.app);
    const res = await check(appId, {});
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/accountId', '/passcode']);
  });

  it('refuses an unknown region in the body and answers 404 for an unknown app', async () => {
    const appId = await createTestApp(api.app);
    const bad = await check(appId, { region: 'mars1', accountId: ACCOUNT, passcode: PASSCODE });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details[0].path).toBe('/region');
    expect((await check('app_missing', { accountId: ACCOUNT, passcode: PASSCODE })).statusCode).toBe(404);
  });
});

describe('CleverTap credential test without an answer', () => {
  it('says CleverTap could not be reached', async () => {
    const port = await closedPort();
    const t = await createTestContext('sqlite', { env: { PCBRIDGE_CLEVERTAP_BASE_URL: `http://127.0.0.1:${port}`, PCBRIDGE_CLEVERTAP_TIMEOUT: '2s' } });
    const app = await buildApp(t.ctx);
    try {
      const appId = await createTestApp(app);
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/apps/${appId}/integrations/clevertap/test`,
        headers: AUTH,
        payload: { accountId: ACCOUNT, passcode: PASSCODE },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ ok: false, reason: 'unreachable', message: expect.stringContaining('could not be reached') });
    } finally {
      await app.close();
      await t.close();
    }
  });
});
