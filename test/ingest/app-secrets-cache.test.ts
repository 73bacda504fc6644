import { describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { createAppSecretsCache } from '../../src/ingest/app-secrets-cache.js';
import type { AppRecord } from '../../src/store/repos/apps-repo.js';

function fakeContext(apps: Map<string, AppRecord>) {
  const reads: string[] = [];
  const ctx = {
    store: {
      apps: {
        async get(id: string) {
          reads.push(id);
          return apps.get(id) ?? null;
        },
      },
    },
    // Stored secrets are "enc:<plain>" here; the cache must hand out the decrypted form.
    secrets: { decrypt: (stored: string) => stored.replace(/^enc:/, '') },
  } as unknown as AppContext;
  return { ctx, reads };
}

function app(id: string, secret: string, previous: string | null = null): AppRecord {
  return {
    id,
    name: id,
    webhookSecretEnc: `enc:${secret}`,
    previousWebhookSecretEnc: previous === null ? null : `enc:${previous}`,
    sdkKeyDigest: 'd',
    signatureToleranceSeconds: 120,
    allowLegacySignatures: true,
    createdAt: 0,
    updatedAt: 0,
  };
}

describe('the app secrets cache', () => {
  it('decrypts the current then the previous secret and reads the store once per 2 s', async () => {
    const apps = new Map([['a1', app('a1', 'new', 'old')]]);
    const { ctx, reads } = fakeContext(apps);
    let now = 0;
    const cache = createAppSecretsCache(ctx, { now: () => now });
    expect(await cache.get('a1')).toEqual({ id: 'a1', secrets: ['new', 'old'], toleranceSeconds: 120, allowLegacy: true });
    now = 1999;
    await cache.get('a1');
    expect(reads).toEqual(['a1']);
    apps.set('a1', app('a1', 'newer'));
    now = 2000;
    expect((await cache.get('a1'))!.secrets).toEqual(['newer']);
    expect(reads).toEqual(['a1', 'a1']);
  });

  it('shares one read between concurrent misses and remembers an unknown app briefly', async () => {
    const { ctx, reads } = fakeContext(new Map());
    const cache = createAppSecretsCache(ctx, { now: () => 0 });
    const results = await Promise.all([cache.get('nope'), cache.get('nope'), cache.get('nope')]);
    expect(results).toEqual([null, null, null]);
    expect(reads).toEqual(['nope']);
  });

  it('answers peek without waiting only while a loaded app is fresh, as get would', async () => {
    const apps = new Map([['a1', app('a1', 's1')]]);
    const { ctx, reads } = fakeContext(apps);
    let now = 0;
    const cache = createAppSecretsCache(ctx, { now: () => now });
    expect(cache.peek('a1')).toBeUndefined();
    const loading = cache.get('a1');
    expect(cache.peek('a1')).toBeUndefined();
    await loading;
    expect(cache.peek('a1')!.secrets).toEqual(['s1']);
    await cache.get('nope');
    expect(cache.peek('nope')).toBeNull();
    now = 2000;
    expect(cache.peek('a1')).toBeUndefined();
    expect(reads).toEqual(['a1', 'nope']);
  });

  it('reloads at once on refresh, but at most once per 100 ms per app', async () => {
    const apps = new Map([['a1', app('a1', 's1')]]);
    const { ctx, reads } = fakeContext(apps);
    let now = 0;
    const cache = createAppSecretsCache(ctx, { now: () => now });
    await cache.get('a1');
    apps.set('a1', app('a1', 's2'));
    now = 10;
    expect((await cache.refresh('a1'))!.secrets).toEqual(['s2']);
    now = 50;
    expect(await cache.refresh('a1')).toBeUndefined();
    now = 111;
    expect(await cache.refresh('a1')).not.toBeUndefined();
    expect(reads).toEqual(['a1', 'a1', 'a1']);
  });

  it('forgets a failed read so the next request tries the store again', async () => {
    let fail = true;
    const ctx = {
      store: { apps: { get: async () => (fail ? Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })) : app('a1', 's')) } },
      secrets: { decrypt: (s: string) => s },
    } as unknown as AppContext;
    const cache = createAppSecretsCache(ctx, { now: () => 0 });
    await expect(cache.get('a1')).rejects.toThrow('down');
    fail = false;
    expect(await cache.get('a1')).not.toBeNull();
  });
});
