import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { buildEventRow } from '../../src/ingest/build-event-row.js';
import { createIngestWriter } from '../../src/ingest/ingest-writer.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture, storedEvents } from './helpers.js';

describe.each(DIALECTS)('the ingest writer (group commit) on %s', (dialect) => {
  let t: TestContext;
  let appId: string;

  beforeAll(async () => {
    t = await createTestContext(dialect);
    appId = (await createApp(t.ctx, { name: 'Writer', webhookSecret: 's' })).id;
  });
  afterAll(async () => t.close());

  function row(eventId: string) {
    return buildEventRow(appId, Buffer.from(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId })), Date.now());
  }

  it('commits writes of one tick in a single transaction', async () => {
    let transactions = 0;
    const store = { ...t.ctx.store, tx: <T>(fn: Parameters<typeof t.ctx.store.tx<T>>[0]) => ((transactions += 1), t.ctx.store.tx(fn)) };
    const writer = createIngestWriter({ store });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.write(row(`evt-tick-${i}`))));
    expect(outcomes).toEqual(Array(20).fill('stored'));
    expect(transactions).toBe(1);
    expect((await storedEvents(t, appId)).filter((r) => r.event_id.startsWith('evt-tick-'))).toHaveLength(20);
    await writer.close();
  });

  it('stores two copies of one event in the same batch as one row with duplicates = 1', async () => {
    const writer = createIngestWriter({ store: t.ctx.store });
    const outcomes = await Promise.all([writer.write(row('evt-twice')), writer.write(row('evt-twice')), writer.write(row('evt-once'))]);
    expect(outcomes).toEqual(['stored', 'duplicate', 'stored']);
    const rows = (await storedEvents(t, appId)).filter((r) => r.event_id === 'evt-twice');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.duplicates).toBe(1);
    await writer.close();
  });

  it('adds every copy of a later batch to an event stored earlier', async () => {
    const writer = createIngestWriter({ store: t.ctx.store });
    expect(await writer.write(row('evt-later'))).toBe('stored');
    const outcomes = await Promise.all([writer.write(row('evt-later')), writer.write(row('evt-later')), writer.write(row('evt-later'))]);
    expect(outcomes).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect((await storedEvents(t, appId)).find((r) => r.event_id === 'evt-later')!.duplicates).toBe(3);
    await writer.close();
  });

  it('splits a failing batch so that one bad row fails alone', async () => {
    const writer = createIngestWriter({ store: t.ctx.store });
    const bad = { ...row('evt-bad'), appId: null as unknown as string }; // NOT NULL violation
    const results = await Promise.allSettled([writer.write(row('evt-good-1')), writer.write(bad), writer.write(row('evt-good-2'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const ids = (await storedEvents(t, appId)).map((r) => r.event_id);
    expect(ids).toEqual(expect.arrayContaining(['evt-good-1', 'evt-good-2']));
    await writer.close();
  });
});
