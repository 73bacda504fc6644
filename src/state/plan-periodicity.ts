import { dateField, stringField } from './subscription-fields.js';
import type { SubscriptionView } from './subscription-state.js';

const DAY = 86_400_000;

/**
 * Purchasely's `plan_periodicity` values (ISO 8601 durations) with the length of one period in
 * days, as a range: months and years vary with the calendar.
 */
const PERIODS: readonly { value: string; minDays: number; maxDays: number }[] = [
  { value: 'P1W', minDays: 7, maxDays: 7 },
  { value: 'P2W', minDays: 14, maxDays: 14 },
  { value: 'P1M', minDays: 28, maxDays: 31 },
  { value: 'P2M', minDays: 59, maxDays: 62 },
  { value: 'P3M', minDays: 89, maxDays: 92 },
  { value: 'P6M', minDays: 181, maxDays: 184 },
  { value: 'P1Y', minDays: 365, maxDays: 366 },
];

/**
 * The billing period of a subscription, read from its current period (`purchased_at` to
 * `next_renewal_at`) while it is at the regular price (`offer_type` NONE): the webhook carries
 * no periodicity, and an offer's period (a 7-day trial of a monthly plan) is not the plan's.
 * Null when the period matches none of Purchasely's values (within a day, for time zones).
 */
export function planPeriodicityOf(view: SubscriptionView): string | null {
  const fields = view.latest.fields;
  const offer = stringField(fields, 'offer_type');
  if (offer !== null && offer !== 'NONE') return null;
  const start = dateField(fields, 'purchased_at');
  const end = dateField(fields, 'next_renewal_at');
  if (start === null || end === null || end <= start) return null;
  const days = (end - start) / DAY;
  return PERIODS.find((p) => days >= p.minDays - 1 && days <= p.maxDays + 1)?.value ?? null;
}
