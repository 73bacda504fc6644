import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG, canonicalEventName, categoryRank, findCatalogEvent, isTransferEvent, isWellFormedEventName } from '../../src/purchasely/catalog.js';

// The 45 names of Purchasely's "Lifecycle Events" page, copied by hand, by category.
const REFERENCE_EVENTS: Record<string, string[]> = {
  entitlement: ['ACTIVATE', 'DEACTIVATE'],
  lifecycle: [
    'SUBSCRIPTION_STARTED',
    'RETENTION_MESSAGE_REQUESTED',
    'RENEWAL_DISABLED',
    'RENEWAL_ENABLED',
    'SUBSCRIPTION_TERMINATED',
    'FAMILY_SHARED_REVOKED',
    'GRACE_PERIOD_STARTED',
    'GRACE_PERIOD_TERMINATED',
    'SUBSCRIPTION_CANCELLED_DURING_GRACE_PERIOD',
    'SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD',
    'ENTERED_BILLING_RETRY',
    'SUBSCRIPTION_RECOVERED_FROM_BILLING_RETRY',
    'SUBSCRIPTION_RENEWED',
    'SUBSCRIPTION_DEFERRED',
    'SUBSCRIPTION_REACTIVATED',
    'SUBSCRIPTION_CROSSGRADED',
    'SUBSCRIPTION_DOWNGRADED',
    'SUBSCRIPTION_UPGRADED',
    'SUBSCRIPTION_REFUNDED_REVOKED',
    'SUBSCRIPTION_TRANSFERRED',
    'SUBSCRIPTION_RECEIVED',
    'ONE_TIME_PURCHASE_TRANSFERRED',
    'ONE_TIME_PURCHASE_RECEIVED',
    'SUBSCRIPTION_WILL_PAUSE',
    'SUBSCRIPTION_PAUSED',
    'SUBSCRIPTION_UNPAUSED',
    'SUBSCRIPTION_CANCELLED_DURING_PAUSE',
    'SUBSCRIPTION_WILL_NOT_PAUSE',
    'INSTALLMENT_PAID',
    'INSTALLMENT_REFUNDED',
  ],
  offer: [
    'TRIAL_STARTED',
    'TRIAL_CONVERTED',
    'TRIAL_NOT_CONVERTED',
    'INTRO_OFFER_STARTED',
    'INTRO_OFFER_CONVERTED',
    'INTRO_OFFER_NOT_CONVERTED',
    'PROMO_CODE_STARTED',
    'PROMO_CODE_CONVERTED',
    'PROMO_CODE_NOT_CONVERTED',
    'PROMOTIONAL_OFFER_STARTED',
    'PROMOTIONAL_OFFER_CONVERTED',
    'PROMOTIONAL_OFFER_NOT_CONVERTED',
  ],
  transactional: ['TRANSACTION_PROCESSED'],
};

// Purchasely's CRM user properties (its "Engagement & CRM" page), under its names, with their types.
const PURCHASELY_PROPERTIES: Record<string, string> = {
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
};

// pcbridge's extras, which Purchasely's own integrations do not write.
const PCBRIDGE_PROPERTIES: Record<string, string> = {
  cumulated_revenues: 'number',
  revenue_currency: 'string',
  has_lifetime_access: 'boolean',
  last_one_time_purchase_at: 'date',
};

describe('EVENT_CATALOG', () => {
  it('lists exactly the 45 events of the reference, each once', () => {
    const expected = Object.values(REFERENCE_EVENTS).flat();
    expect(expected).toHaveLength(45);
    expect(EVENT_CATALOG).toHaveLength(45);
    expect(new Set(EVENT_CATALOG.map((e) => e.name))).toEqual(new Set(expected));
  });

  it('puts every event in its reference category with a one-line description', () => {
    for (const [category, names] of Object.entries(REFERENCE_EVENTS)) {
      for (const name of names) {
        const entry = findCatalogEvent(name);
        expect(entry?.category, name).toBe(category);
        expect(entry?.description.length, name).toBeGreaterThan(10);
        expect(entry?.description, name).not.toContain('\n');
      }
    }
  });

  it('groups lifecycle events by sub-group and offers by kind', () => {
    expect(findCatalogEvent('ENTERED_BILLING_RETRY')?.group).toBe('billing_issues');
    expect(findCatalogEvent('SUBSCRIPTION_PAUSED')?.group).toBe('pause');
    expect(findCatalogEvent('SUBSCRIPTION_RECEIVED')?.group).toBe('transfer');
    expect(findCatalogEvent('SUBSCRIPTION_STARTED')?.group).toBe('activation');
    expect(findCatalogEvent('TRIAL_NOT_CONVERTED')?.group).toBe('trial');
    expect(findCatalogEvent('PROMOTIONAL_OFFER_STARTED')?.group).toBe('promotional_offer');
    expect(findCatalogEvent('ACTIVATE')?.group).toBeNull();
    expect(findCatalogEvent('TRANSACTION_PROCESSED')?.group).toBeNull();
    for (const entry of EVENT_CATALOG) {
      if (entry.category === 'lifecycle' || entry.category === 'offer') expect(entry.group, entry.name).not.toBeNull();
    }
  });

  it('knows the retention message request and the two installment events, with their group', () => {
    expect(findCatalogEvent('RETENTION_MESSAGE_REQUESTED')).toMatchObject({ category: 'lifecycle', group: 'cancellation' });
    expect(findCatalogEvent('INSTALLMENT_PAID')).toMatchObject({ category: 'lifecycle', group: 'commitment' });
    expect(findCatalogEvent('INSTALLMENT_REFUNDED')).toMatchObject({ category: 'lifecycle', group: 'commitment' });
    for (const name of ['RETENTION_MESSAGE_REQUESTED', 'INSTALLMENT_PAID', 'INSTALLMENT_REFUNDED']) {
      expect(findCatalogEvent(name)?.description.length, name).toBeGreaterThan(10);
      expect(categoryRank(name), name).toBe(1);
    }
  });

  it('lists the new events in their group, next to the events of the same group', () => {
    const names = EVENT_CATALOG.map((e) => e.name);
    expect(names.indexOf('RETENTION_MESSAGE_REQUESTED')).toBe(names.indexOf('RENEWAL_DISABLED') - 1);
    expect(names.slice(names.indexOf('INSTALLMENT_PAID'), names.indexOf('INSTALLMENT_PAID') + 2)).toEqual(['INSTALLMENT_PAID', 'INSTALLMENT_REFUNDED']);
    expect(EVENT_CATALOG.filter((e) => e.group === 'commitment').map((e) => e.name)).toEqual(['INSTALLMENT_PAID', 'INSTALLMENT_REFUNDED']);
  });

  it('resolves the legacy SUBSCRIPTION_REFUNDED name to the refund event', () => {
    expect(canonicalEventName('SUBSCRIPTION_REFUNDED')).toBe('SUBSCRIPTION_REFUNDED_REVOKED');
    expect(findCatalogEvent('SUBSCRIPTION_REFUNDED')?.group).toBe('refund');
    expect(canonicalEventName('ACTIVATE')).toBe('ACTIVATE');
    expect(findCatalogEvent('NOT_AN_EVENT')).toBeUndefined();
    expect(findCatalogEvent('__proto__')).toBeUndefined();
  });
});

describe('USER_PROPERTY_CATALOG', () => {
  it('has one entry per Purchasely property and per pcbridge extra, with its type and origin', () => {
    const expected = { ...PURCHASELY_PROPERTIES, ...PCBRIDGE_PROPERTIES };
    expect(USER_PROPERTY_CATALOG).toHaveLength(Object.keys(expected).length);
    expect(Object.fromEntries(USER_PROPERTY_CATALOG.map((p) => [p.name, p.type]))).toEqual(expected);
    for (const property of USER_PROPERTY_CATALOG) {
      expect(property.origin, property.name).toBe(property.name in PCBRIDGE_PROPERTIES ? 'pcbridge' : 'purchasely');
      expect(property.description.length).toBeGreaterThan(10);
    }
  });

  it('lists the pcbridge extras after every Purchasely property', () => {
    const origins = USER_PROPERTY_CATALOG.map((p) => p.origin);
    expect(origins.indexOf('pcbridge')).toBe(Object.keys(PURCHASELY_PROPERTIES).length);
    expect(origins.slice(origins.indexOf('pcbridge')).every((o) => o === 'pcbridge')).toBe(true);
  });
});

describe('isWellFormedEventName', () => {
  it.each(['ACTIVATE', 'SUBSCRIPTION_STARTED', 'SOME_FUTURE_EVENT_V2', 'A'])('accepts %s', (name) => {
    expect(isWellFormedEventName(name)).toBe(true);
  });
  it.each(['', 'activate', 'Subscription_Started', '_ACTIVATE', 'ACTIVATE_', 'A__B', 'A B', 'A-B', '1ST_EVENT'])('refuses %j', (name) => {
    expect(isWellFormedEventName(name)).toBe(false);
  });
});

describe('categoryRank', () => {
  it('orders ACTIVATE < lifecycle < offer < TRANSACTION_PROCESSED < DEACTIVATE', () => {
    expect(categoryRank('ACTIVATE')).toBe(0);
    expect(categoryRank('SUBSCRIPTION_RENEWED')).toBe(1);
    expect(categoryRank('SUBSCRIPTION_REFUNDED')).toBe(1);
    expect(categoryRank('TRIAL_STARTED')).toBe(2);
    expect(categoryRank('PROMO_CODE_NOT_CONVERTED')).toBe(2);
    expect(categoryRank('TRANSACTION_PROCESSED')).toBe(3);
    expect(categoryRank('DEACTIVATE')).toBe(4);
  });

  it('ranks unknown names like lifecycle events', () => {
    expect(categoryRank('PURCHASE_VALIDATED')).toBe(1);
    expect(categoryRank('')).toBe(1);
  });
});

describe('isTransferEvent', () => {
  it('is true for the four transfer events only', () => {
    expect(REFERENCE_EVENTS.lifecycle!.filter(isTransferEvent)).toEqual([
      'SUBSCRIPTION_TRANSFERRED',
      'SUBSCRIPTION_RECEIVED',
      'ONE_TIME_PURCHASE_TRANSFERRED',
      'ONE_TIME_PURCHASE_RECEIVED',
    ]);
    expect(isTransferEvent('PURCHASE_TRANSFERRED')).toBe(false);
  });
});
