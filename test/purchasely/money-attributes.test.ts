import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePurchaselyEvent, type ParsedEvent } from '../../src/purchasely/payload.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

/** The documented TRANSACTION_PROCESSED with some attributes replaced, parsed the way the webhook does. */
function transactionWith(changes: Record<string, unknown>): ParsedEvent {
  const payload = { ...JSON.parse(readFileSync(`${PURCHASELY_FIXTURE_DIR}/TRANSACTION_PROCESSED.json`, 'utf8')), ...changes };
  const result = parsePurchaselyEvent(JSON.stringify(payload));
  if (!result.ok) throw new Error(`quarantined: ${result.reason}`);
  return result.event;
}

describe('money attributes given as decimal strings', () => {
  it('are read as numbers when the event is parsed', () => {
    const ev = transactionWith({
      amount_in_customer_currency: '4.99',
      amount_in_eur: '4.99',
      plan_price_in_eur: ' -9.99 ',
      plan_price_in_customer_currency: '10',
      cumulated_revenues_in_eur: '69.90',
    });
    expect(ev.payload).toMatchObject({
      amount_in_customer_currency: 4.99,
      amount_in_eur: 4.99,
      plan_price_in_eur: -9.99,
      plan_price_in_customer_currency: 10,
      cumulated_revenues_in_eur: 69.9,
    });
    expect(ev.unreadableAmounts).toEqual([]);
  });

  it('name the attributes that are no number, and keep their value as it came', () => {
    const ev = transactionWith({ amount_in_customer_currency: 'abc', amount_in_eur: '4,99', plan_price_in_eur: true });
    expect([...ev.unreadableAmounts].sort()).toEqual(['amount_in_customer_currency', 'amount_in_eur', 'plan_price_in_eur']);
    expect(ev.payload).toMatchObject({ amount_in_customer_currency: 'abc', amount_in_eur: '4,99', plan_price_in_eur: true });
  });

  it('leave numbers, nulls and attributes that are not money alone', () => {
    const ev = transactionWith({ amount_in_eur: null, store_transaction_id: '12345', customer_currency: 'EUR' });
    expect(ev.payload).toMatchObject({ amount_in_eur: null, amount_in_customer_currency: 9.99, store_transaction_id: '12345', customer_currency: 'EUR' });
    expect(ev.unreadableAmounts).toEqual([]);
  });
});
