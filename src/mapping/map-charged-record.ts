import { CHARGED_EVENT_NAME, truncateUtf8 } from '../clevertap/naming.js';
import type { ChargedItem, EventRecordBody } from '../clevertap/types.js';
import type { ParsedEvent } from '../purchasely/payload.js';
import type { IntegrationSettings } from '../settings/schema.js';
import { recordTimestamp } from './map-event-record.js';

/** The one Purchasely event meant for revenue. */
export const REVENUE_EVENT = 'TRANSACTION_PROCESSED';

// `amount_in_<cur>` with `<cur>` a lower-case ISO 4217 code; `amount_in_customer_currency`
// does not match (the code is three letters).
const INTEGRATION_AMOUNT = /^amount_in_([a-z]{3})$/;
const ITEM_FIELDS = ['product', 'plan', 'store_product_id', 'purchase_type'] as const;

/**
 * CleverTap's revenue event `Charged` for a `TRANSACTION_PROCESSED` with a positive amount
 * when `revenue.chargedEvent` is on (independent of the `TRANSACTION_PROCESSED` toggle), else
 * null. Refunds (negative amounts) and zero amounts produce nothing: CleverTap does not
 * support negative amounts. An amount without a known currency produces nothing either.
 *
 * `Amount` and `Currency` come from `amount_in_<cur>` and `<cur>` upper-cased (currency
 * `integration`, `<cur>` discovered from the key) or from `amount_in_customer_currency` and
 * `customer_currency` (currency `customer`). `Charged ID` is `store_transaction_id`; `Items`
 * holds one item with `product`, `plan`, `store_product_id`, `purchase_type` (nulls dropped;
 * left out when all are missing).
 */
export function mapChargedRecord(ev: ParsedEvent, settings: Pick<IntegrationSettings, 'revenue'>): EventRecordBody | null {
  if (!settings.revenue.chargedEvent || ev.eventName !== REVENUE_EVENT) return null;
  const money = settings.revenue.currency === 'customer' ? customerAmount(ev.payload) : integrationAmount(ev.payload);
  if (money === null || !(money.amount > 0)) return null;

  const evtData: EventRecordBody['evtData'] = { Amount: money.amount, Currency: money.currency };
  const chargedId = ev.payload['store_transaction_id'];
  if (typeof chargedId === 'string' && chargedId !== '') evtData['Charged ID'] = truncateUtf8(chargedId);
  const item = chargedItem(ev.payload);
  if (Object.keys(item).length > 0) evtData['Items'] = [item];
  return { type: 'event', evtName: CHARGED_EVENT_NAME, evtData, ts: recordTimestamp(ev) };
}

/**
 * Why a `TRANSACTION_PROCESSED` made no `Charged` record although `revenue.chargedEvent` is on
 * and an amount was given: the amount the settings read is no number (kept as it came in the
 * event record's `evtData`). Null otherwise.
 */
export function chargedSkipNote(ev: ParsedEvent, settings: Pick<IntegrationSettings, 'revenue'>): string | null {
  if (!settings.revenue.chargedEvent || ev.eventName !== REVENUE_EVENT) return null;
  const read = settings.revenue.currency === 'customer' ? (key: string) => key === 'amount_in_customer_currency' : (key: string) => INTEGRATION_AMOUNT.test(key);
  const unreadable = ev.unreadableAmounts.filter(read);
  if (unreadable.length === 0 || mapChargedRecord(ev, settings) !== null) return null;
  return `no Charged record: ${unreadable.join(', ')} is not a number`;
}

interface Money {
  amount: number;
  currency: string;
}

function integrationAmount(payload: Record<string, unknown>): Money | null {
  for (const [key, value] of Object.entries(payload)) {
    const match = INTEGRATION_AMOUNT.exec(key);
    if (match && typeof value === 'number' && Number.isFinite(value)) {
      return { amount: value, currency: (match[1] as string).toUpperCase() };
    }
  }
  return null;
}

function customerAmount(payload: Record<string, unknown>): Money | null {
  const amount = payload['amount_in_customer_currency'];
  const currency = payload['customer_currency'];
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return null;
  if (typeof currency !== 'string' || currency.trim() === '') return null;
  return { amount, currency: currency.trim().toUpperCase() };
}

function chargedItem(payload: Record<string, unknown>): ChargedItem {
  const item: ChargedItem = {};
  for (const field of ITEM_FIELDS) {
    const value = payload[field];
    if (typeof value === 'string') item[field] = truncateUtf8(value);
    else if (typeof value === 'number' || typeof value === 'boolean') item[field] = value;
  }
  return item;
}
