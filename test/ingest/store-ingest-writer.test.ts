import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { buildEventRow, EVENT_ROW_BUILDER } from '../../src/ingest/build-event-row.js';
import { createIngestWriter } from '../../src/ingest/ingest-writer.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { loadFixture, storedEvents } from './helpers.js';

// The writer the webhook route uses: `store.ingestWriter` (on a SQLite file, the ingest thread).
describe.each(DIALECTS)("the store's ingest writer on %s", (dialect) => {
  let t: TestContext;
  let appId: string;

  beforeAll(async () => {
    t = await createTestContext(dialect);
    appId = (await createApp(t.ctx, { name: 'Store writer', webhookSecret: 's' })).id;
  });
  afterAll(async () => t.close());

  const body = (eventId: string) => Buffer.from(JSON.stringify({ ...loadFixture('ACTIVATE'), event_id: eventId }));

  it('parses received bodies where it commits them: new, retried and unusable ones in one batch', async () => {
    const writer = createIngestWriter({ store: t.ctx.store, batches: t.ctx.store.ingestWriter(EVENT_ROW_BUILDER) });
    const now = Date.now();
    const outcomes = await Promise.all([
      writer.receive(appId, body('evt-recv-1'), now),
      writer.receive(appId, body('evt-recv-1'), now),
      writer.receive(appId, Buffer.from('not json'), now),
      writer.receive(appId, body('evt-recv-2'), now),
    ]);
    expect(outcomes).toEqual([
      { outcome: 'stored', quarantined: false },
      { outcome: 'duplicate', quarantined: false },
      { outcome: 'stored', quarantined: true },
      { outcome: 'stored', quarantined: false },
    ]);
    const rows = await storedEvents(t, appId);
    expect(rows.find((r) => r.event_id === 'evt-recv-1')).toMatchObject({ status: 'received', event_name: 'ACTIVATE', duplicates: 1 });
    expect(rows.find((r) => r.reason === 'invalid_json')).toMatchObject({ status: 'quarantined' });
    expect(Buffer.from(rows.find((r) => r.event_id === 'evt-recv-2')!.raw_body!).equals(body('evt-recv-2'))).toBe(true);
    await writer.close();
  });

  it('also commits rows built beforehand, merging copies', async () => {
    const writer = createIngestWriter({ store: t.ctx.store, batches: t.ctx.store.ingestWriter(EVENT_ROW_BUILDER) });
    const row = buildEventRow(appId, body('evt-row-1'), Date.now());
    expect(await Promise.all([writer.write(row), writer.write(row)])).toEqual(['stored', 'duplicate']);
    expect((await storedEvents(t, appId)).find((r) => r.event_id === 'evt-row-1')!.duplicates).toBe(1);
    await writer.close();
  });
});
