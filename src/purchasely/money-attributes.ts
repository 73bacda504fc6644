/**
 * Purchasely's money attributes: `amount_in_<cur>`, `plan_price_in_<cur>`,
 * `cumulated_revenues_in_<cur>` and their `_in_customer_currency` forms. Its attributes table
 * types `amount_in_customer_currency` as a string while its examples send numbers, so both
 * forms arrive.
 */
const MONEY_ATTRIBUTE = /^(?:amount|plan_price|cumulated_revenues)_in_[a-z]+(?:_[a-z]+)*$/;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Turns every money attribute given as a decimal string (`"4.99"`, `" -9.99 "`) into its number,
 * in place, and names those whose value is neither a number nor such a string (null excepted):
 * they are left as they came, and nothing that needs a number (a `Charged` amount, cumulated
 * revenue) reads them.
 */
export function normalizeMoneyAttributes(payload: Record<string, unknown>): string[] {
  const unreadable: string[] = [];
  for (const key of Object.keys(payload)) {
    if (!MONEY_ATTRIBUTE.test(key)) continue;
    const value = payload[key];
    if (value === null || value === undefined) continue;
    if (typeof value === 'number' && Number.isFinite(value)) continue;
    const number = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (Number.isFinite(number)) payload[key] = number;
    else unreadable.push(key);
  }
  return unreadable;
}
