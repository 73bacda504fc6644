import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import type { AppRecord } from '../../src/store/repos/apps-repo.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases.js';

function sampleApp(id: string, now: number): AppRecord {
  return {
    id,
    name: `App ${id}`,
    webhookSecretEnc: 'v1:cipher',
    previousWebhookSecretEnc: null,
    sdkKeyDigest: `digest-${id}`,
    signatureToleranceSeconds: 300,
    allowLegacySignatures: false,
    createdAt: now,
    updatedAt: now,
  };
}

describe.each(DIALECTS)('store contract on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.target);
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  it('applies migrations once and reports none pending', async () => {
    expect(await store.migrate()).toEqual([]);
    expect(await store.pendingMigrations()).toEqual([]);
  });

  it('keeps the first value written by setIfAbsent', async () => {
    expect(await store.meta.setIfAbsent('k', 'first')).toBe('first');
    expect(await store.meta.setIfAbsent('k', 'second')).toBe('first');
    await store.meta.set('k', 'third');
    expect(await store.meta.get('k')).toBe('third');
    expect(await store.meta.get('missing')).toBeNull();
  });

  it('inserts, reads, lists, updates and deletes apps', async () => {
    await store.apps.insert(sampleApp('app_a', 1000));
    await store.apps.insert(sampleApp('app_b', 2000));
    expect(await store.apps.get('app_a')).toEqual(sampleApp('app_a', 1000));
    expect((await store.apps.list()).map((a) => a.id)).toEqual(['app_a', 'app_b']);
    const updated = await store.apps.update('app_a', { name: 'Renamed', allowLegacySignatures: true, signatureToleranceSeconds: 60 }, 5000);
    expect(updated).toMatchObject({ name: 'Renamed', allowLegacySignatures: true, signatureToleranceSeconds: 60, updatedAt: 5000, createdAt: 1000 });
    expect(await store.apps.update('nope', { name: 'x' }, 1)).toBeNull();
    expect(await store.tx((r) => r.apps.delete('app_b'))).toBe(true);
    expect(await store.apps.get('app_b')).toBeNull();
    expect(await store.tx((r) => r.apps.delete('app_b'))).toBe(false);
  });

  it('rolls a transaction back when it throws', async () => {
    await expect(
      store.tx(async (r) => {
        await r.apps.insert(sampleApp('app_rollback', 1));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.apps.get('app_rollback')).toBeNull();
  });

  it('serialises concurrent transactions without losing writes', async () => {
    await store.meta.set('counter', '0');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.tx(async (r, q) => {
          const row = await q.get<{ value: string }>(dialect === 'postgres' ? 'SELECT value FROM meta WHERE key = ? FOR UPDATE' : 'SELECT value FROM meta WHERE key = ?', [
            'counter',
          ]);
          await r.meta.set('counter', String(Number(row!.value) + 1));
        }),
      ),
    );
    expect(await store.meta.get('counter')).toBe('20');
  });

  it('binds every repository of store.transaction to one transaction: a throw undoes writes through several', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.apps.insert(sampleApp('app_tx', 1));
        await tx.meta.set('tx_key', 'written');
        const inserted = await tx.events.insertNew([
          {
            appId: 'app_tx',
            eventId: 'ev_tx',
            eventName: 'ACTIVATE',
            userKey: 'u1',
            userId: 'u1',
            anonymousUserId: null,
            environment: null,
            receivedAt: 1,
            eventCreatedAt: null,
            status: 'received',
            reason: null,
            rawBody: Buffer.from('{}'),
          },
        ]);
        expect(inserted).toBe(1);
        expect(await tx.apps.get('app_tx')).not.toBeNull();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.apps.get('app_tx')).toBeNull();
    expect(await store.meta.get('tx_key')).toBeNull();
    expect(await store.events.get('app_tx', 'ev_tx')).toBeNull();
  });

  it('apps.lockForUpdate makes concurrent read-modify-writes of one app exclusive', async () => {
    await store.apps.insert({ ...sampleApp('app_lock', 1), name: '0' });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(async (tx) => {
          await tx.apps.lockForUpdate('app_lock');
          const app = await tx.apps.get('app_lock');
          await tx.apps.update('app_lock', { name: String(Number(app!.name) + 1) }, 2);
        }),
      ),
    );
    expect((await store.apps.get('app_lock'))!.name).toBe('20');
  });

  it('refuses a duplicate SDK key digest', async () => {
    await store.apps.insert(sampleApp('app_c', 1));
    await expect(store.apps.insert({ ...sampleApp('app_d', 1), sdkKeyDigest: 'digest-app_c' })).rejects.toThrow();
  });
});
