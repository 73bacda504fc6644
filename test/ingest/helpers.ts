import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '../../src/clock.js';
import { buildApp } from '../../src/http/app.js';
import { signPurchaselyRequest } from '../../src/purchasely/signature.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import type { TestDialect } from '../helpers/databases.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

export const FIXTURE_NAMES = ['ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED'] as const;
const FIXTURE_DIR = PURCHASELY_FIXTURE_DIR;

/** A documented payload, parsed (fresh copy each call). */
export function loadFixture(name: (typeof FIXTURE_NAMES)[number]): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURE_DIR}/${name}.json`, 'utf8')) as Record<string, unknown>;
}

/** The documented payload's bytes exactly as the docs give them. */
export function loadFixtureBytes(name: (typeof FIXTURE_NAMES)[number]): Buffer {
  return readFileSync(`${FIXTURE_DIR}/${name}.json`);
}

/** Headers Purchasely sends: v3 signature over timestamp + raw body. */
export function signedHeaders(secret: string, body: Buffer | string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    'content-type': 'application/json',
    'x-purchasely-timestamp': timestamp,
    'x-purchasely-request-signature': signPurchaselyRequest(secret, timestamp, body),
  };
}

export interface Harness {
  t: TestContext;
  app: FastifyInstance;
  baseUrl: string;
  createApp(secret?: string): Promise<string>;
  post(appId: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** An in-process bridge listening on a real port, on a fresh database. */
export async function startHarness(dialect: TestDialect, opts: { clock?: Clock } = {}): Promise<Harness> {
  const t = await createTestContext(dialect, opts.clock ? { clock: opts.clock } : {});
  const app = await buildApp(t.ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    t,
    app,
    baseUrl,
    async createApp(secret = 'purchasely-shared-secret') {
      const res = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name: 'Ingest test', webhookSecret: secret } });
      if (res.statusCode !== 201) throw new Error(`app creation failed: ${res.body}`);
      return (res.json() as { id: string }).id;
    },
    async post(appId, body, headers) {
      const res = await request(`${baseUrl}/webhooks/purchasely/${appId}`, { method: 'POST', body, headers });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.statusCode, json };
    },
    async close() {
      await app.close();
      await t.close();
    },
  };
}

/** A harness with one app of its own, opened by a beforeAll; its `close` belongs to the afterAll. */
export interface AppHarness extends Omit<Harness, 'close'> {
  readonly appId: string;
}

/**
 * Registers a beforeAll that starts a harness and creates one app with `secret` (the harness's default when
 * left out), and an afterAll that closes the harness. Call it inside a describe; read the handle once the
 * beforeAll has run, in later hooks and in the tests.
 */
export function useHarness(dialect: TestDialect, opts: { clock?: Clock; secret?: string } = {}): AppHarness {
  let h: Harness | undefined;
  let appId: string | undefined;
  beforeAll(async () => {
    h = await startHarness(dialect, opts);
    appId = await h.createApp(opts.secret);
  });
  afterAll(async () => {
    await h?.close();
  });
  const started = (): Harness => {
    if (!h) throw new Error('useHarness: read before its beforeAll ran, or after it failed');
    return h;
  };
  return {
    get t() {
      return started().t;
    },
    get app() {
      return started().app;
    },
    get baseUrl() {
      return started().baseUrl;
    },
    get appId() {
      if (appId === undefined) throw new Error('useHarness: read before its beforeAll ran, or after it failed');
      return appId;
    },
    createApp: async (secret) => started().createApp(secret),
    post: async (id, body, headers) => started().post(id, body, headers),
  };
}

export interface StoredEventRow {
  event_id: string;
  event_name: string | null;
  user_key: string | null;
  user_id: string | null;
  anonymous_user_id: string | null;
  environment: string | null;
  received_at: number;
  event_created_at: number | null;
  status: string;
  reason: string | null;
  duplicates: number;
  raw_body: Buffer | Uint8Array | null;
}

/** Every stored event of an app, oldest first, straight from the table. */
export async function storedEvents(t: TestContext, appId: string): Promise<StoredEventRow[]> {
  const rows = await t.ctx.store.db.all<StoredEventRow>(
    `SELECT event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at, event_created_at, status, reason, duplicates, raw_body
     FROM events WHERE app_id = ? ORDER BY seq`,
    [appId],
  );
  return rows.map((r) => ({
    ...r,
    received_at: Number(r.received_at),
    event_created_at: r.event_created_at === null ? null : Number(r.event_created_at),
    duplicates: Number(r.duplicates),
  }));
}
