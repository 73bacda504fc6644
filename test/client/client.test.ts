import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Attribute,
  createClient,
  PcbridgeError,
  PcbridgeNetworkError,
  PcbridgeNotFoundError,
  PcbridgeUnauthorizedError,
  PcbridgeValidationError,
  verifyPurchaselySignature,
  type PurchaselyEventPayload,
} from '../../src/client/index.js';
import { createTestContext, TEST_ADMIN_TOKEN, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { startServeProcess, type ServerProcess } from '../helpers/processes.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

describe.each(DIALECTS)('client SDK against a running pcbridge serve (%s)', (dialect) => {
  let t: TestContext;
  let server: ServerProcess;
  let appId: string;
  let sdkKey: string;

  beforeAll(async () => {
    t = await createTestContext(dialect);
    server = await startServeProcess({ ...t.env, PCBRIDGE_CLEVERTAP_BASE_URL: 'http://127.0.0.1:9' });
    const res = await fetch(`${server.baseUrl}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Client test', webhookSecret: 'foobar' }),
    });
    expect(res.status).toBe(201);
    ({ id: appId, sdkKey } = (await res.json()) as { id: string; sdkKey: string });
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await t.close();
  });

  it('an app sets a CleverTap ID with its SDK key and a backend reads it with the admin token', async () => {
    const app = createClient({ baseUrl: server.baseUrl, appId, apiKey: sdkKey });
    await app.setAttribute('user 1/é', Attribute.CLEVER_TAP_ID, '__g5e0abc');
    const backend = createClient({ baseUrl: `${server.baseUrl}/`, appId, adminToken: TEST_ADMIN_TOKEN });
    expect(await backend.getAttributes('user 1/é')).toEqual({ clevertap_id: '__g5e0abc' });
  });

  it('getAttributes answers {} for a user without attributes, and after clearAttribute', async () => {
    const backend = createClient({ baseUrl: server.baseUrl, appId, adminToken: TEST_ADMIN_TOKEN });
    expect(await backend.getAttributes('nobody')).toEqual({});
    await backend.setAttribute('user-2', Attribute.CLEVER_TAP_ID, '-HwB9gZ');
    await backend.clearAttribute('user-2', Attribute.CLEVER_TAP_ID);
    expect(await backend.getAttributes('user-2')).toEqual({});
  });

  it('a wrong SDK key rejects with PcbridgeUnauthorizedError', async () => {
    const app = createClient({ baseUrl: server.baseUrl, appId, apiKey: 'pcb_sdk_wrong' });
    const err = await app.setAttribute('user-3', Attribute.CLEVER_TAP_ID, '__x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcbridgeUnauthorizedError);
    expect(err).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('an invalid CleverTap ID rejects with PcbridgeValidationError naming the field', async () => {
    const app = createClient({ baseUrl: server.baseUrl, appId, apiKey: sdkKey });
    const err = await app.setAttribute('user-4', Attribute.CLEVER_TAP_ID, 'has space').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcbridgeValidationError);
    expect(err).toMatchObject({ code: 'validation_failed', status: 422 });
    expect((err as PcbridgeValidationError).details.map((d) => d.path)).toEqual(['/clevertap_id']);
  });

  it('an unknown app rejects with PcbridgeNotFoundError (unknown_app)', async () => {
    const backend = createClient({ baseUrl: server.baseUrl, appId: 'app_doesnotexist', adminToken: TEST_ADMIN_TOKEN });
    const err = await backend.getAttributes('user-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcbridgeNotFoundError);
    expect(err).toMatchObject({ code: 'unknown_app', status: 404 });
  });

  it('getAttributes without an admin token rejects before any request', async () => {
    let called = false;
    const app = createClient({
      baseUrl: server.baseUrl,
      appId,
      apiKey: sdkKey,
      fetch: (async () => {
        called = true;
        throw new Error('unexpected');
      }) as typeof fetch,
    });
    const err = await app.getAttributes('user-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcbridgeError);
    expect(err).toMatchObject({ code: 'admin_token_required', status: 0 });
    expect(called).toBe(false);
  });
});

describe('client SDK without a server', () => {
  it('an unreachable server rejects with PcbridgeNetworkError', async () => {
    const app = createClient({ baseUrl: 'http://127.0.0.1:9', appId: 'app_x', apiKey: 'pcb_sdk_x', timeoutMs: 2000 });
    const err = await app.setAttribute('user-1', Attribute.CLEVER_TAP_ID, '__x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcbridgeNetworkError);
    expect(err).toMatchObject({ code: 'network_error', status: 0 });
  });

  it('verifyPurchaselySignature accepts the documented test vector', () => {
    const verdict = verifyPurchaselySignature({
      secrets: ['foobar'],
      headers: { signature: 'f3c2a452e9ea72f41107321aeaf7999f1054148866a710c9b23f9f501785e2a4', timestamp: '1698322022' },
      rawBody: Buffer.from('{"a_random_key":"a_random_value_ad"}'),
      nowMs: 1698322022_000,
      toleranceSeconds: 300,
      allowLegacy: false,
    });
    expect(verdict).toEqual({ ok: true, scheme: 'v3' });
  });

  it('the payload types describe the documented fixtures', () => {
    const payload: PurchaselyEventPayload = JSON.parse(readFileSync(`${PURCHASELY_FIXTURE_DIR}/ACTIVATE.json`, 'utf8')) as PurchaselyEventPayload;
    const environment: string | undefined = payload.environment;
    expect(environment).toBe('SANDBOX');
  });

  it('imports nothing from the server: only its own files and the API contract', () => {
    const dir = new URL('../../src/client/', import.meta.url);
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(new URL(file, dir), 'utf8');
      for (const match of source.matchAll(/from '([^']+)'/g)) expect(match[1], `${file} imports ${match[1]}`).toMatch(/^\.\/[a-z-]+\.js$|^\.\.\/contract\/[a-z-]+\.js$/);
    }
  });

  it('needs no package at run time: what it loads reaches only its own files, the contract and the pure Purchasely modules', () => {
    const root = new URL('../../src/', import.meta.url);
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const source = readFileSync(new URL(path, root), 'utf8');
      // Type-only imports and exports are erased by the compiler: they load nothing.
      for (const match of source.matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)';/gms)) {
        const target = match[1]!;
        if (target === 'node:crypto') continue;
        expect(target, `${path} loads ${target}`).toMatch(/^\./);
        visit(new URL(target.replace(/\.js$/, '.ts'), new URL(path, root)).pathname.slice(new URL(root).pathname.length));
      }
    };
    visit('client/index.ts');
    const loaded = [...seen].sort();
    expect(loaded.filter((p) => !/^(client|contract|purchasely)\//.test(p))).toEqual([]);
    expect(loaded).not.toContain('contract/common.ts');
    expect(loaded).toContain('contract/webhook.ts');
  });
});
