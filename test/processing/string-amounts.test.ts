/**
 * A TRANSACTION_PROCESSED whose amount comes as a string, processed for real: a decimal string
 * is a number, anything else makes no Charged record and leaves a note on the event, which the
 * event log API shows.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { EventItem } from '../../src/ingest/event-log.js';
import { AUTH, createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readEventStatus, readRecords, storeSettings } from './helpers.js';

const TX_ID = 'a2430cab-b56f-45d6-9268-8f9f35e20b59'; // the documented TRANSACTION_PROCESSED
const NOTE = 'no Charged record: amount_in_customer_currency is not a number';

describe.each(DIALECTS)('a TRANSACTION_PROCESSED with a string amount, processed (%s)', (dialect) => {
  let t: TestContext;
  let app: FastifyInstance;
  let appId: string;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    app = await buildApp(t.ctx);
    ({ appId } = await createTestApp(t.ctx));
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', revenue: { chargedEvent: true, currency: 'customer' } }));
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  async function listed(): Promise<EventItem> {
    const res = await app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events`, headers: AUTH });
    expect(res.statusCode, res.body).toBe(200);
    const item = (res.json().items as EventItem[]).find((i) => i.eventId === TX_ID);
    if (!item) throw new Error('the event is not listed');
    return item;
  }

  async function detailNote(): Promise<unknown> {
    const res = await app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/events/${TX_ID}`, headers: AUTH });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().note;
  }

  it('makes a Charged record with the decimal string as a number, and no note', async () => {
    await insertEvent(t.ctx, appId, { ...fixture('TRANSACTION_PROCESSED'), amount_in_customer_currency: '4.99', cumulated_revenues_in_eur: '69.90' });
    await processAll(t.ctx);

    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => r.kind)).toEqual(['event', 'charged', 'profile']);
    expect(records[1]!.body).toMatchObject({ evtName: 'Charged', evtData: { Amount: 4.99, Currency: 'EUR' } });
    expect(records[0]!.body).toMatchObject({ evtData: { amount_in_customer_currency: 4.99, cumulated_revenues_in_eur: 69.9 } });
    expect(records[2]!.body).toMatchObject({ profileData: { cumulated_revenues: 69.9, revenue_currency: 'EUR' } });
    expect(await listed()).toMatchObject({ status: 'pending', reason: null, note: null });
  });

  it('makes no Charged record for an amount that is no number, and the event log shows why', async () => {
    await insertEvent(t.ctx, appId, { ...fixture('TRANSACTION_PROCESSED'), amount_in_customer_currency: 'abc' });
    await processAll(t.ctx);

    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => r.kind)).toEqual(['event', 'profile']);
    expect(records[0]!.body).toMatchObject({ evtName: 'TRANSACTION_PROCESSED', evtData: { amount_in_customer_currency: 'abc' } });
    // Not a failure: the event goes on as usual, with its note.
    expect(await readEventStatus(t.ctx, appId, TX_ID)).toEqual({ status: 'pending', reason: null });
    expect(await listed()).toMatchObject({ status: 'pending', reason: null, note: NOTE });
    expect(await detailNote()).toBe(NOTE);
  });

  it('drops the note when a replay under other settings makes the Charged record', async () => {
    const seq = await insertEvent(t.ctx, appId, { ...fixture('TRANSACTION_PROCESSED'), amount_in_customer_currency: 'abc' });
    await processAll(t.ctx);
    expect((await listed()).note).toBe(NOTE);

    // The integration currency reads amount_in_eur (9.99), which is a number.
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', revenue: { chargedEvent: true, currency: 'integration' } }));
    expect(await t.ctx.store.replay.requeueEvents([seq], ['pending'])).toBe(1);
    await processAll(t.ctx);

    const replayed = (await readRecords(t.ctx, appId)).filter((r) => r.generation === 2);
    expect(replayed.map((r) => r.kind)).toEqual(['event', 'charged', 'profile']);
    expect(replayed[1]!.body).toMatchObject({ evtData: { Amount: 9.99, Currency: 'EUR' } });
    expect(await listed()).toMatchObject({ status: 'pending', note: null });
  });
});
