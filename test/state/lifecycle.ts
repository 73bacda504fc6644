import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { parsed } from './helpers.js';

/**
 * A hand-built story in PRODUCTION, shaped like the documented payloads:
 *
 * alice, subs_1 (monthly, App Store): trial started → converted → renewed ×3 → billing retry →
 * recovered → renewal disabled → terminated.
 * alice, subs_2 (yearly, Play Store): started, then transferred to bob (with the DEACTIVATE /
 * ACTIVATE pair Purchasely sends in the same millisecond), then bob turns renewal off.
 */
export const DAY = 86_400_000;
export const T0 = Date.UTC(2024, 0, 1, 10, 0, 0);
export const T_CONVERT = T0 + 7 * DAY;
export const T_RENEW = [T_CONVERT + 30 * DAY, T_CONVERT + 60 * DAY, T_CONVERT + 90 * DAY] as const;
export const T_RETRY = T_CONVERT + 120 * DAY;
export const T_RECOVER = T_RETRY + 2 * DAY;
export const T_SUB2 = T_RETRY + 5 * DAY;
export const T_DISABLE = T_RETRY + 10 * DAY;
export const T_TRANSFER = T_RETRY + 20 * DAY;
export const T_BOB_DISABLE = T_TRANSFER + 10 * DAY;
export const T_TERMINATE = T_RECOVER + 30 * DAY;

const iso = (ms: number) => new Date(ms).toISOString();

let counter = 0;

function date(name: string, ms: number | null): Record<string, unknown> {
  return ms === null ? { [name]: null, [`${name}_ms`]: null } : { [name]: iso(ms), [`${name}_ms`]: ms };
}

type Sub1Period = { status: string; offer: string; purchasedAt: number; renewsAt: number | null };

function sub1(name: string, ms: number, period: Sub1Period, cumulated: number, extra: Record<string, unknown> = {}) {
  counter += 1;
  return parsed({
    api_version: 3,
    event_id: `evt-${String(counter).padStart(3, '0')}-${name.toLowerCase()}`,
    event_name: name,
    ...date('event_created_at', ms),
    user_id: 'alice',
    environment: 'PRODUCTION',
    store: 'APPLE_APP_STORE',
    store_country: 'FR',
    product: 'PLUS',
    plan: 'monthly',
    store_product_id: 'com.app.plus.monthly',
    purchase_type: 'RENEWING_SUBSCRIPTION',
    purchasely_subscription_id: 'subs_1',
    store_original_transaction_id: 'apple-1000',
    store_transaction_id: `apple-${ms}`,
    is_family_shared: false,
    subscription_status: period.status,
    offer_type: period.offer,
    ...date('purchased_at', period.purchasedAt),
    ...date('original_purchased_at', T0),
    ...date('next_renewal_at', period.renewsAt),
    ...date('effective_next_renewal_at', period.renewsAt),
    cumulated_revenues_in_eur: cumulated,
    plan_price_in_eur: 9.99,
    ...extra,
  });
}

function sub2(name: string, ms: number, user: 'alice' | 'bob', status: string, cumulated: number, extra: Record<string, unknown> = {}) {
  counter += 1;
  return parsed({
    api_version: 3,
    event_id: `evt-${String(counter).padStart(3, '0')}-${name.toLowerCase()}`,
    event_name: name,
    ...date('event_created_at', ms),
    user_id: user,
    environment: 'PRODUCTION',
    store: 'GOOGLE_PLAY_STORE',
    store_country: 'DE',
    product: 'PLUS',
    plan: 'yearly',
    store_product_id: 'com.app.plus.yearly',
    purchase_type: 'RENEWING_SUBSCRIPTION',
    purchasely_subscription_id: 'subs_2',
    store_original_transaction_id: 'GPA.2000',
    is_family_shared: false,
    subscription_status: status,
    offer_type: 'NONE',
    ...date('purchased_at', T_SUB2),
    ...date('original_purchased_at', T_SUB2),
    ...date('next_renewal_at', T_SUB2 + 365 * DAY),
    ...date('effective_next_renewal_at', T_SUB2 + 365 * DAY),
    cumulated_revenues_in_eur: cumulated,
    plan_price_in_eur: 49.99,
    ...extra,
  });
}

const transferFields = {
  transferred_from_user_id: 'alice',
  transferred_to_user_id: 'bob',
};

/** The story's events, step by step, in creation order. */
export function buildLifecycle(): { step: string; events: ParsedEvent[] }[] {
  counter = 0;
  const trial: Sub1Period = { status: 'AUTO_RENEWING', offer: 'FREE_TRIAL', purchasedAt: T0, renewsAt: T_CONVERT };
  const paid = (from: number): Sub1Period => ({ status: 'AUTO_RENEWING', offer: 'NONE', purchasedAt: from, renewsAt: from + 30 * DAY });
  const steps: { step: string; events: ParsedEvent[] }[] = [
    {
      step: 'trial started',
      events: [sub1('ACTIVATE', T0, trial, 0), sub1('SUBSCRIPTION_STARTED', T0, trial, 0), sub1('TRIAL_STARTED', T0, trial, 0)],
    },
    {
      step: 'trial converted',
      events: [
        sub1('TRIAL_CONVERTED', T_CONVERT, paid(T_CONVERT), 9.99, { previous_offer_type: 'FREE_TRIAL' }),
        sub1('TRANSACTION_PROCESSED', T_CONVERT, paid(T_CONVERT), 9.99, { amount_in_eur: 9.99 }),
      ],
    },
    ...T_RENEW.map((ms, i) => ({
      step: `renewed #${i + 1}`,
      events: [
        sub1('SUBSCRIPTION_RENEWED', ms, paid(ms), [19.98, 29.97, 39.96][i] as number),
        sub1('TRANSACTION_PROCESSED', ms, paid(ms), [19.98, 29.97, 39.96][i] as number, { amount_in_eur: 9.99 }),
      ],
    })),
    {
      step: 'entered billing retry',
      events: [
        sub1('ENTERED_BILLING_RETRY', T_RETRY, { ...paid(T_RENEW[2]), status: 'ON_HOLD' }, 39.96),
        sub1('DEACTIVATE', T_RETRY, { ...paid(T_RENEW[2]), status: 'ON_HOLD' }, 39.96),
      ],
    },
    {
      step: 'recovered from billing retry',
      events: [
        sub1('SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY', T_RECOVER, paid(T_RECOVER), 49.95),
        sub1('ACTIVATE', T_RECOVER, paid(T_RECOVER), 49.95),
        sub1('TRANSACTION_PROCESSED', T_RECOVER, paid(T_RECOVER), 49.95, { amount_in_eur: 9.99 }),
      ],
    },
    {
      step: 'second subscription started',
      events: [
        sub2('ACTIVATE', T_SUB2, 'alice', 'AUTO_RENEWING', 99.94),
        sub2('SUBSCRIPTION_STARTED', T_SUB2, 'alice', 'AUTO_RENEWING', 99.94),
        sub2('TRANSACTION_PROCESSED', T_SUB2, 'alice', 'AUTO_RENEWING', 99.94, { amount_in_eur: 49.99 }),
      ],
    },
    {
      step: 'renewal disabled',
      events: [sub1('RENEWAL_DISABLED', T_DISABLE, { ...paid(T_RECOVER), status: 'AUTO_RENEWING_CANCELED' }, 99.94)],
    },
    {
      step: 'second subscription transferred to bob',
      events: [
        sub2('SUBSCRIPTION_TRANSFERRED', T_TRANSFER, 'alice', 'AUTO_RENEWING', 99.94, transferFields),
        sub2('DEACTIVATE', T_TRANSFER, 'alice', 'AUTO_RENEWING', 99.94),
        sub2('SUBSCRIPTION_RECEIVED', T_TRANSFER, 'bob', 'AUTO_RENEWING', 0, transferFields),
        sub2('ACTIVATE', T_TRANSFER, 'bob', 'AUTO_RENEWING', 0),
      ],
    },
    {
      step: 'bob turned renewal off',
      events: [sub2('RENEWAL_DISABLED', T_BOB_DISABLE, 'bob', 'AUTO_RENEWING_CANCELED', 0)],
    },
    {
      step: 'first subscription terminated',
      events: [
        sub1('SUBSCRIPTION_TERMINATED', T_TERMINATE, { ...paid(T_RECOVER), status: 'DEACTIVATED', renewsAt: null }, 99.94),
        sub1('DEACTIVATE', T_TERMINATE, { ...paid(T_RECOVER), status: 'DEACTIVATED', renewsAt: null }, 99.94),
      ],
    },
  ];
  return steps;
}
