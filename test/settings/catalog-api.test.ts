import { describe, expect, it } from 'vitest';
import { useTestApi } from '../helpers/api.js';
import { AUTH } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { createTestApp } from '../helpers/integrations.js';

/** The 45 events of Purchasely's "Lifecycle Events" page, copied by hand, with their categories. */
const REFERENCE_EVENTS: Record<string, string> = {
  ACTIVATE: 'entitlement',
  DEACTIVATE: 'entitlement',
  SUBSCRIPTION_STARTED: 'lifecycle',
  RETENTION_MESSAGE_REQUESTED: 'lifecycle',
  RENEWAL_DISABLED: 'lifecycle',
  RENEWAL_ENABLED: 'lifecycle',
  SUBSCRIPTION_TERMINATED: 'lifecycle',
  FAMILY_SHARED_REVOKED: 'lifecycle',
  GRACE_PERIOD_STARTED: 'lifecycle',
  GRACE_PERIOD_TERMINATED: 'lifecycle',
  SUBSCRIPTION_CANCELLED_DURING_GRACE_PERIOD: 'lifecycle',
  SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD: 'lifecycle',
  ENTERED_BILLING_RETRY: 'lifecycle',
  SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY: 'lifecycle',
  SUBSCRIPTION_RENEWED: 'lifecycle',
  SUBSCRIPTION_DEFERRED: 'lifecycle',
  SUBSCRIPTION_REACTIVATED: 'lifecycle',
  SUBSCRIPTION_CROSSGRADED: 'lifecycle',
  SUBSCRIPTION_DOWNGRADED: 'lifecycle',
  SUBSCRIPTION_UPGRADED: 'lifecycle',
  SUBSCRIPTION_REFUNDED_REVOKED: 'lifecycle',
  SUBSCRIPTION_TRANSFERRED: 'lifecycle',
  SUBSCRIPTION_RECEIVED: 'lifecycle',
  ONE_TIME_PURCHASE_TRANSFERRED: 'lifecycle',
  ONE_TIME_PURCHASE_RECEIVED: 'lifecycle',
  SUBSCRIPTION_WILL_PAUSE: 'lifecycle',
  SUBSCRIPTION_PAUSED: 'lifecycle',
  SUBSCRIPTION_UNPAUSED: 'lifecycle',
  SUBSCRIPTION_CANCELLED_DURING_PAUSE: 'lifecycle',
  SUBSCRIPTION_WILL_NOT_PAUSE: 'lifecycle',
  INSTALLMENT_PAID: 'lifecycle',
  INSTALLMENT_REFUNDED: 'lifecycle',
  TRIAL_STARTED: 'offer',
  TRIAL_CONVERTED: 'offer',
  TRIAL_NOT_CONVERTED: 'offer',
  INTRO_OFFER_STARTED: 'offer',
  INTRO_OFFER_CONVERTED: 'offer',
  INTRO_OFFER_NOT_CONVERTED: 'offer',
  PROMO_CODE_STARTED: 'offer',
  PROMO_CODE_CONVERTED: 'offer',
  PROMO_CODE_NOT_CONVERTED: 'offer',
  PROMOTIONAL_OFFER_STARTED: 'offer',
  PROMOTIONAL_OFFER_CONVERTED: 'offer',
  PROMOTIONAL_OFFER_NOT_CONVERTED: 'offer',
  TRANSACTION_PROCESSED: 'transactional',
};

/** Purchasely's CRM user properties, then pcbridge's extras, copied by hand, with their types. */
const USER_PROPERTIES: Record<string, string> = {
  user_id: 'string',
  anonymous_user_id: 'string',
  has_active_subscription: 'boolean',
  has_expired_subscription: 'boolean',
  subscription_status: 'string',
  environment: 'string',
  store: 'string',
  store_country: 'string',
  product: 'string',
  plan: 'string',
  plan_periodicity: 'string',
  previous_plan: 'string',
  store_product_id: 'string',
  offer_type: 'string',
  promotional_offer_id: 'string',
  is_family_shared: 'boolean',
  content_id: 'string',
  purchasely_subscription_id: 'string',
  subscription_started_at: 'date',
  purchased_at: 'date',
  original_purchased_at: 'date',
  next_renewal_at: 'date',
  effective_next_renewal_at: 'date',
  grace_period_expires_at: 'date',
  is_auto_renewing: 'boolean',
  is_in_grace_period: 'boolean',
  is_in_billing_retry: 'boolean',
  is_in_trial: 'boolean',
  is_in_intro_offer: 'boolean',
  is_promo_code: 'boolean',
  trial_ends_at: 'date',
  last_event: 'string',
  cumulated_revenue_in_usd: 'number',
  expired_subscription_status: 'string',
  expired_subscription_plan: 'string',
  expired_subscription_offer_type: 'string',
  expired_subscription_expired_at: 'date',
  // pcbridge's extras
  cumulated_revenues: 'number',
  revenue_currency: 'string',
  has_lifetime_access: 'boolean',
  last_one_time_purchase_at: 'date',
};

/** The properties that are pcbridge's own, not Purchasely's. */
const PCBRIDGE_EXTRAS = ['cumulated_revenues', 'revenue_currency', 'has_lifetime_access', 'last_one_time_purchase_at'];

describe.each(DIALECTS)('catalogue API on %s', (dialect) => {
  const api = useTestApi(dialect);

  it('lists all 45 events of the reference, each with its category, group and a description', async () => {
    const appId = await createTestApp(api.app);
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog`, headers: AUTH });
    expect(res.statusCode).toBe(200);
    const events: { name: string; category: string; group: string | null; description: string }[] = res.json().events;
    expect(events).toHaveLength(45);
    expect(Object.fromEntries(events.map((e) => [e.name, e.category]))).toEqual(REFERENCE_EVENTS);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['category', 'description', 'group', 'name']);
      expect(e.description.length).toBeGreaterThan(10);
    }
    expect(events.find((e) => e.name === 'GRACE_PERIOD_STARTED')!.group).toBe('billing_issues');
    expect(events.find((e) => e.name === 'TRIAL_STARTED')!.group).toBe('trial');
    expect(events.find((e) => e.name === 'ACTIVATE')!.group).toBeNull();
    expect(events.find((e) => e.name === 'RETENTION_MESSAGE_REQUESTED')!.group).toBe('cancellation');
    expect(events.find((e) => e.name === 'INSTALLMENT_PAID')!.group).toBe('commitment');
    expect(events.find((e) => e.name === 'INSTALLMENT_REFUNDED')!.group).toBe('commitment');
  });

  it("lists every user property, Purchasely's then the extras, with its type, origin and a description", async () => {
    const appId = await createTestApp(api.app);
    const res = await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog`, headers: AUTH });
    const props: { name: string; type: string; description: string; origin: string }[] = res.json().userProperties;
    expect(Object.fromEntries(props.map((p) => [p.name, p.type]))).toEqual(USER_PROPERTIES);
    expect(props.map((p) => p.name)).toEqual(Object.keys(USER_PROPERTIES));
    expect(props.filter((p) => p.origin === 'pcbridge').map((p) => p.name)).toEqual(PCBRIDGE_EXTRAS);
    expect(props.filter((p) => p.origin !== 'pcbridge').every((p) => p.origin === 'purchasely')).toBe(true);
    for (const p of props) expect(p.description.length).toBeGreaterThan(5);
  });

  it('answers 404 for an unknown app and 401 without the admin token', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/v1/apps/app_missing/catalog', headers: AUTH })).statusCode).toBe(404);
    const appId = await createTestApp(api.app);
    expect((await api.app.inject({ method: 'GET', url: `/api/v1/apps/${appId}/catalog` })).statusCode).toBe(401);
  });
});
