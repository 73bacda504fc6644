import { describe, expect, it } from 'vitest';
import { mapChargedRecord } from '../../src/mapping/map-charged-record.js';
import { eventWith, loadFixtureEvent } from './fixture-events.js';
import { settingsWith } from './settings-helper.js';

const charged = (currency: 'integration' | 'customer' = 'integration') => settingsWith({ revenue: { chargedEvent: true, currency } });

describe('mapChargedRecord', () => {
  it('turns the documented TRANSACTION_PROCESSED into a Charged event in the integration currency', () => {
    // By hand from the fixture: amount_in_eur 9.99 → Amount 9.99, Currency "EUR".
    expect(mapChargedRecord(loadFixtureEvent('TRANSACTION_PROCESSED'), charged())).toStrictEqual({
      type: 'event',
      evtName: 'Charged',
      ts: 1702390766,
      evtData: {
        Amount: 9.99,
        Currency: 'EUR',
        'Charged ID': 'GPA.3355-5688-7970-28037..5',
        Items: [
          {
            product: 'PURCHASELY_PLUS',
            plan: 'monthly',
            store_product_id: 'com.purchasely.plus.monthly',
            purchase_type: 'RENEWING_SUBSCRIPTION',
          },
        ],
      },
    });
  });

  it('uses the customer amount and currency when the settings say so', () => {
    const ev = eventWith({
      event_name: 'TRANSACTION_PROCESSED',
      amount_in_usd: 10.5,
      amount_in_customer_currency: 9.49,
      customer_currency: 'gbp',
      store_transaction_id: 't1',
      product: 'P',
      plan: null,
    });
    expect(mapChargedRecord(ev, charged('customer'))?.evtData).toStrictEqual({
      Amount: 9.49,
      Currency: 'GBP',
      'Charged ID': 't1',
      Items: [{ product: 'P' }],
    });
  });

  it('discovers the integration currency from the amount key', () => {
    const ev = eventWith({ event_name: 'TRANSACTION_PROCESSED', amount_in_customer_currency: 1, amount_in_usd: 10.5 });
    expect(mapChargedRecord(ev, charged())?.evtData).toStrictEqual({ Amount: 10.5, Currency: 'USD' });
  });

  it.each([
    ['a refund (negative amount)', -9.99],
    ['a zero amount', 0],
  ])('sends nothing for %s', (_label, amount) => {
    const ev = eventWith({ event_name: 'TRANSACTION_PROCESSED', amount_in_eur: amount });
    expect(mapChargedRecord(ev, charged())).toBeNull();
  });

  it('sends nothing when chargedEvent is off, for other events, or without an amount', () => {
    const tx = loadFixtureEvent('TRANSACTION_PROCESSED');
    expect(mapChargedRecord(tx, settingsWith())).toBeNull();
    expect(mapChargedRecord(loadFixtureEvent('ACTIVATE'), charged())).toBeNull();
    expect(mapChargedRecord(eventWith({ event_name: 'TRANSACTION_PROCESSED' }), charged())).toBeNull();
    expect(mapChargedRecord(eventWith({ event_name: 'TRANSACTION_PROCESSED', amount_in_customer_currency: 3 }), charged('customer'))).toBeNull();
  });
});
