import { describe, expect, it } from 'vitest';
import { mapEventRecord } from '../../src/mapping/map-event-record.js';
import { eventWith, loadFixtureEvent } from './fixture-events.js';
import { on, settingsWith } from './settings-helper.js';

// Expected records written by hand from reference/clevertap.md ("Body", dates as "$D_<unix s>")
// and SPEC §4 "Mapping", reading the fixture files: every attribute except api_version,
// purchase_token and the _ms twins; dates from the _ms twin, floored to seconds.
const FIXTURE_CASES = [
  {
    fixture: 'ACTIVATE',
    name: 'Access Granted',
    expected: {
      type: 'event',
      evtName: 'Access Granted',
      ts: 1702390766,
      evtData: {
        plan: 'monthly',
        store: 'GOOGLE_PLAY_STORE',
        product: 'PURCHASELY_PLUS',
        user_id: 'toto',
        event_id: '5e45109f-7fac-45f8-a7e4-464892d5d35d',
        event_name: 'ACTIVATE',
        offer_type: 'NONE',
        device_id: '1234567890abcdef',
        device_type: 'PHONE',
        environment: 'SANDBOX',
        purchased_at: '$D_1702390391',
        purchase_type: 'RENEWING_SUBSCRIPTION',
        store_country: 'FR',
        next_renewal_at: '$D_1702390991',
        event_created_at: '$D_1702390766',
        is_family_shared: false,
        store_product_id: 'com.purchasely.plus.monthly',
        customer_currency: 'EUR',
        plan_price_in_eur: 9.99,
        previous_offer_type: 'NONE',
        store_app_bundle_id: 'com.purchasely.demo',
        subscription_status: 'AUTO_RENEWING',
        store_transaction_id: 'GPA.3355-5688-7970-28037..5',
        original_purchased_at: '$D_1702388896',
        cumulated_revenues_in_eur: 69.9,
        effective_next_renewal_at: '$D_1702390991',
        purchasely_subscription_id: 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe',
        store_original_transaction_id: 'GPA.3355-5688-7970-28037',
        plan_price_in_customer_currency: 9.99,
      },
    },
  },
  {
    fixture: 'SUBSCRIPTION_STARTED',
    name: 'SUBSCRIPTION_STARTED',
    expected: {
      type: 'event',
      evtName: 'SUBSCRIPTION_STARTED',
      ts: 1702389064,
      evtData: {
        plan: 'monthly',
        store: 'GOOGLE_PLAY_STORE',
        product: 'PURCHASELY_PLUS',
        event_id: '1a03612c-4960-40be-bc69-eeab14f9c6e9',
        event_name: 'SUBSCRIPTION_STARTED',
        offer_type: 'NONE',
        device_type: 'PHONE',
        environment: 'SANDBOX',
        purchased_at: '$D_1702388896',
        purchase_type: 'RENEWING_SUBSCRIPTION',
        store_country: 'FR',
        next_renewal_at: '$D_1702389191',
        event_created_at: '$D_1702389064',
        is_family_shared: false,
        store_product_id: 'com.purchasely.plus.monthly',
        anonymous_user_id: '5ca811b6-46e9-4847-9381-3911bd5fcd7b',
        customer_currency: 'EUR',
        plan_price_in_eur: 9.99,
        store_app_bundle_id: 'com.purchasely.demo',
        subscription_status: 'AUTO_RENEWING',
        store_transaction_id: 'GPA.3355-5688-7970-28037',
        original_purchased_at: '$D_1702388896',
        cumulated_revenues_in_eur: 9.99,
        effective_next_renewal_at: '$D_1702389191',
        purchasely_subscription_id: 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe',
        store_original_transaction_id: 'GPA.3355-5688-7970-28037',
        plan_price_in_customer_currency: 9.99,
      },
    },
  },
  {
    fixture: 'TRANSACTION_PROCESSED',
    name: 'Transaction',
    expected: {
      type: 'event',
      evtName: 'Transaction',
      ts: 1702390766,
      evtData: {
        plan: 'monthly',
        store: 'GOOGLE_PLAY_STORE',
        product: 'PURCHASELY_PLUS',
        user_id: 'toto',
        event_id: 'a2430cab-b56f-45d6-9268-8f9f35e20b59',
        event_name: 'TRANSACTION_PROCESSED',
        offer_type: 'NONE',
        device_type: 'PHONE',
        environment: 'SANDBOX',
        purchased_at: '$D_1702390391',
        amount_in_eur: 9.99,
        purchase_type: 'RENEWING_SUBSCRIPTION',
        store_country: 'FR',
        next_renewal_at: '$D_1702390991',
        event_created_at: '$D_1702390766',
        is_family_shared: false,
        store_product_id: 'com.purchasely.plus.monthly',
        customer_currency: 'EUR',
        plan_price_in_eur: 9.99,
        source_event_name: 'SUBSCRIPTION_RENEWED',
        previous_offer_type: 'NONE',
        store_app_bundle_id: 'com.purchasely.demo',
        subscription_status: 'AUTO_RENEWING',
        store_transaction_id: 'GPA.3355-5688-7970-28037..5',
        original_purchased_at: '$D_1702388896',
        cumulated_revenues_in_eur: 69.9,
        effective_next_renewal_at: '$D_1702390991',
        purchasely_subscription_id: 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe',
        amount_in_customer_currency: 9.99,
        store_original_transaction_id: 'GPA.3355-5688-7970-28037',
        plan_price_in_customer_currency: 9.99,
      },
    },
  },
] as const;

describe('mapEventRecord', () => {
  it.each(FIXTURE_CASES)('turns the documented $fixture payload into exactly the expected CleverTap event', ({ fixture, name, expected }) => {
    const settings = settingsWith({ events: on([fixture, name]) });
    expect(mapEventRecord(loadFixtureEvent(fixture), settings)).toStrictEqual(expected);
  });

  it('produces nothing for an event that is disabled or not configured', () => {
    const ev = loadFixtureEvent('ACTIVATE');
    expect(mapEventRecord(ev, settingsWith({ events: { ACTIVATE: { enabled: false, name: 'ACTIVATE' } } }))).toBeNull();
    expect(mapEventRecord(ev, settingsWith({ events: on('SUBSCRIPTION_STARTED') }))).toBeNull();
  });

  it('never sends purchase_token, api_version or an _ms twin, and keeps event_id', () => {
    const ev = eventWith({
      event_id: 'e1',
      event_name: 'ACTIVATE',
      api_version: 3,
      purchase_token: 'secret-store-token',
      grace_period_expires_at: '2024-01-01T00:00:00.000Z',
      grace_period_expires_at_ms: 1704067200999,
      event_created_at_ms: 1704067200000,
    });
    const record = mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }));
    expect(record?.evtData).toStrictEqual({
      event_id: 'e1',
      event_name: 'ACTIVATE',
      grace_period_expires_at: '$D_1704067200',
      event_created_at_ms: 1704067200000, // no `event_created_at` here, so not a twin
    });
  });

  it('drops nulls and turns RFC 3339 strings without a twin into dates', () => {
    const ev = eventWith({
      event_name: 'ACTIVATE',
      store_country: null,
      defer_end_at: '2024-01-01T01:00:00+01:00', // = 2024-01-01T00:00:00Z = 1704067200
      content_id: '2024-01-01', // a bare date is not a point in time: stays a string
      defer_end_at_ms: null, // a null twin: the string is used
    });
    const record = mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }));
    expect(record?.evtData).toStrictEqual({
      event_name: 'ACTIVATE',
      defer_end_at: '$D_1704067200',
      content_id: '2024-01-01',
    });
  });

  it('floors dates before 1970 towards the past', () => {
    const ev = eventWith({ event_name: 'ACTIVATE', purchased_at: 'x', purchased_at_ms: -1500 });
    expect(mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }))?.evtData['purchased_at']).toBe('$D_-2');
  });

  it('flattens nested objects with "_" and arrays by index', () => {
    const ev = eventWith({
      event_name: 'ACTIVATE',
      ab_test: { id: 'ab1', variant: { name: 'B', weight: 50 }, empty: {} },
      audience: ['new', null, 'fr'],
    });
    const record = mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }));
    expect(record?.evtData).toStrictEqual({
      event_name: 'ACTIVATE',
      ab_test_id: 'ab1',
      ab_test_variant_name: 'B',
      ab_test_variant_weight: 50,
      audience_0: 'new',
      audience_2: 'fr',
    });
  });

  it('cuts long strings to 512 bytes without splitting a character', () => {
    const ev = eventWith({ event_name: 'ACTIVATE', presentation: 'é'.repeat(300) }); // 600 bytes
    const value = mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }))?.evtData['presentation'];
    expect(value).toBe('é'.repeat(256)); // 2 bytes each: 512 bytes
  });

  it('replaces characters CleverTap forbids in keys of nested objects', () => {
    const ev = eventWith({ event_name: 'ACTIVATE', placement: { 'home.screen': 'top' } });
    expect(mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }))?.evtData).toStrictEqual({
      event_name: 'ACTIVATE',
      placement_home_screen: 'top',
    });
  });

  it('keeps a __proto__ attribute as plain data', () => {
    const ev = eventWith(JSON.parse('{"event_name":"ACTIVATE","__proto__":"x"}') as Record<string, unknown>);
    const data = mapEventRecord(ev, settingsWith({ events: on('ACTIVATE') }))?.evtData;
    expect(Object.keys(data ?? {})).toEqual(['event_name', '__proto__']);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });
});

describe("mapEventRecord with the docs' other spelling of a catalogue event", () => {
  it('maps SUBSCRIPTION_REFUNDED through the SUBSCRIPTION_REFUNDED_REVOKED setting, keeping the received name in evtData', () => {
    const ev = eventWith({ event_name: 'SUBSCRIPTION_REFUNDED', event_id: 'r1' });
    const settings = settingsWith({ events: on(['SUBSCRIPTION_REFUNDED_REVOKED', 'Refunded']) });
    expect(mapEventRecord(ev, settings)).toStrictEqual({
      type: 'event',
      evtName: 'Refunded',
      ts: 1700000000,
      evtData: { event_name: 'SUBSCRIPTION_REFUNDED', event_id: 'r1' },
    });
  });
});
