import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, type TestContext } from './context.js';
import type { TestDialect } from './databases.js';

type TestContextOptions = NonNullable<Parameters<typeof createTestContext>[1]>;

export interface TestApi {
  readonly t: TestContext;
  readonly app: FastifyInstance;
}

/**
 * Registers a beforeAll that opens a fresh test context and builds its Fastify app, and an afterAll that
 * closes both (whichever of them the beforeAll got to open). Call it inside a describe; `t` and `app` can be
 * read once the beforeAll has run, in later hooks and in the tests. `opts` may be a function when the options
 * are only known once an earlier beforeAll has run (an emulator's URL). Hooks registered after this call run
 * after its beforeAll and, vitest's hooks being a stack, before its afterAll.
 */
export function useTestApi(dialect: TestDialect, opts?: TestContextOptions | (() => TestContextOptions)): TestApi {
  let t: TestContext | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    t = await createTestContext(dialect, typeof opts === 'function' ? opts() : opts);
    app = await buildApp(t.ctx);
  });
  afterAll(async () => {
    try {
      await app?.close();
    } finally {
      await t?.close();
    }
  });
  return {
    get t() {
      return opened(t);
    },
    get app() {
      return opened(app);
    },
  };
}

function opened<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('useTestApi: read before its beforeAll ran, or after it failed');
  return value;
}
