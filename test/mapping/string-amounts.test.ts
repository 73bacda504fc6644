import { describe, expect, it } from 'vitest';
import { mapChargedRecord } from '../../src/mapping/map-charged-record.js';
import { planEvent } from '../../src/mapping/plan-event.js';
import type { IntegrationSettings } from '../../src/settings/schema.js';
import { fixture, variant } from '../state/helpers.js';
import { on, settingsWith } from './settings-helper.js';

/** The documented TRANSACTION_PROCESSED (user toto), in PRODUCTION, with some attributes replaced. */
const transactionWith = (changes: Record<string, unknown>) => variant(fixture('TRANSACTION_PROCESSED'), { environment: 'PRODUCTION', ...changes });

const chargedIn = (currency: IntegrationSettings['revenue']['currency']) => settingsWith({ events: on('TRANSACTION_PROCESSED'), revenue: { chargedEvent: true, currency } });

describe('a TRANSACTION_PROCESSED whose amount is a decimal string', () => {
  it('makes a Charged record with the amount as a number', () => {
    const ev = transactionWith({ amount_in_customer_currency: '4.99' });
    const plan = planEvent({ ev, settings: chargedIn('customer'), enabled: true, profiles: [] });
    expect(plan.records.map((r) => r.kind)).toEqual(['event', 'charged']);
    expect(plan.records[1]!.body).toMatchObject({ evtName: 'Charged', evtData: { Amount: 4.99, Currency: 'EUR' } });
    expect(plan.records[0]!.body).toMatchObject({ evtData: { amount_in_customer_currency: 4.99 } });
    expect(plan.note).toBeNull();
  });

  it('reads an integration-currency amount given as a string too', () => {
    const ev = transactionWith({ amount_in_eur: '12.50' });
    expect(mapChargedRecord(ev, chargedIn('integration'))?.evtData).toMatchObject({ Amount: 12.5, Currency: 'EUR' });
  });
});

describe('a TRANSACTION_PROCESSED whose amount is no number', () => {
  it('makes no Charged record, keeps the value in the event record and says why in the note', () => {
    const ev = transactionWith({ amount_in_customer_currency: 'abc' });
    const plan = planEvent({ ev, settings: chargedIn('customer'), enabled: true, profiles: [] });
    expect(plan.records.map((r) => r.kind)).toEqual(['event']);
    expect(plan.records[0]!.body).toMatchObject({ evtName: 'TRANSACTION_PROCESSED', evtData: { amount_in_customer_currency: 'abc' } });
    expect(plan.skipReason).toBeNull();
    expect(plan.note).toBe('no Charged record: amount_in_customer_currency is not a number');
  });

  it('names the integration-currency attribute when that is the amount read', () => {
    const ev = transactionWith({ amount_in_eur: 'n/a' });
    const plan = planEvent({ ev, settings: chargedIn('integration'), enabled: true, profiles: [] });
    expect(plan.records.map((r) => r.kind)).toEqual(['event']);
    expect(plan.note).toBe('no Charged record: amount_in_eur is not a number');
  });

  it('keeps the note when the event itself is off and nothing else is sent', () => {
    const ev = transactionWith({ amount_in_customer_currency: 'abc' });
    const settings = settingsWith({ revenue: { chargedEvent: true, currency: 'customer' } });
    expect(planEvent({ ev, settings, enabled: true, profiles: [] })).toEqual({
      records: [],
      skipReason: 'event_disabled',
      note: 'no Charged record: amount_in_customer_currency is not a number',
    });
  });

  it('leaves no note when the amount the settings read is fine, or Charged is off', () => {
    const ev = transactionWith({ amount_in_customer_currency: 'abc' });
    const integration = planEvent({ ev, settings: chargedIn('integration'), enabled: true, profiles: [] });
    expect(integration.records.map((r) => r.kind)).toEqual(['event', 'charged']);
    expect(integration.note).toBeNull();
    const off = planEvent({ ev, settings: settingsWith({ events: on('TRANSACTION_PROCESSED') }), enabled: true, profiles: [] });
    expect(off.note).toBeNull();
  });
});
