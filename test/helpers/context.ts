import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { createSecretBox } from '../../src/secrets.js';
import { openStore } from '../../src/store/store.js';
import { checkKeyFingerprint } from '../../src/runtime/bootstrap.js';
import { createTestDatabase, type TestDatabase, type TestDialect } from './databases.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestContext {
  ctx: AppContext;
  db: TestDatabase;
  secretKey: Buffer;
  /** Environment a child process needs to open the same database with the same keys. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A migrated store on a fresh database with a known admin token and secret key. */
export async function createTestContext(dialect: TestDialect, opts: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestContext> {
  const db = await createTestDatabase(dialect);
  const secretKey = randomBytes(32);
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    PCBRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    PCBRIDGE_SECRET_KEY: secretKey.toString('base64'),
    LOG_LEVEL: 'silent',
    ...opts.env,
  };
  const config: Config = loadConfig(env);
  const store = openStore(config.database);
  await store.migrate();
  const secrets = createSecretBox(secretKey);
  await checkKeyFingerprint(store, secrets);
  const ctx: AppContext = {
    config,
    logger: createLogger('silent'),
    store,
    secrets,
    clock: opts.clock ?? systemClock,
    metrics: createMetrics(),
    instanceId: `test:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
  return {
    ctx,
    db,
    secretKey,
    env,
    async close() {
      await store.close().catch(() => undefined);
      await db.drop();
    },
  };
}

export const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } as const;
