/**
 * Each documented Purchasely payload, processed alone for a fresh app with every event and
 * user property enabled, must leave exactly these CleverTap records in the outbox.
 *
 * The expected bodies are written by hand from SPEC §4 and the vendors' references:
 * `evtData` = the payload minus `api_version` and the `_ms` twins, each date with a twin as
 * `"$D_<floor(twin / 1000)>"`; `ts` = floor(event_created_at_ms / 1000); the profile states
 * every property of the catalogue, one without a value as the removal `{"$delete": true}` (a
 * boolean without one as false); `Charged` per SPEC §4 "Charged record".
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readEventStatus, readRecords, REMOVED, storeSettings, type FixtureName } from './helpers.js';

const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';
const SUB = 'subs_D7GnVQbUxvY6YxoeK6nhyPDkmyCVcfe';

/** Fields the three documented payloads share, as CleverTap event properties. */
const COMMON_EVT_DATA = {
  plan: 'monthly',
  store: 'GOOGLE_PLAY_STORE',
  product: 'PURCHASELY_PLUS',
  offer_type: 'NONE',
  device_type: 'PHONE',
  environment: 'SANDBOX',
  purchase_type: 'RENEWING_SUBSCRIPTION',
  store_country: 'FR',
  is_family_shared: false,
  store_product_id: 'com.purchasely.plus.monthly',
  customer_currency: 'EUR',
  plan_price_in_eur: 9.99,
  store_app_bundle_id: 'com.purchasely.demo',
  subscription_status: 'AUTO_RENEWING',
  original_purchased_at: '$D_1702388896',
  purchasely_subscription_id: SUB,
  store_original_transaction_id: 'GPA.3355-5688-7970-28037',
  plan_price_in_customer_currency: 9.99,
};

/** The profile every documented payload gives its user, apart from what differs per payload. */
const COMMON_PROFILE = {
  has_active_subscription: true,
  has_expired_subscription: false,
  subscription_status: 'AUTO_RENEWING',
  environment: 'SANDBOX',
  store: 'GOOGLE_PLAY_STORE',
  store_country: 'FR',
  product: 'PURCHASELY_PLUS',
  plan: 'monthly',
  // The sandbox periods (5 and 10 minutes) match none of Purchasely's periodicities.
  plan_periodicity: REMOVED,
  previous_plan: REMOVED,
  store_product_id: 'com.purchasely.plus.monthly',
  offer_type: 'NONE',
  promotional_offer_id: REMOVED,
  is_family_shared: false,
  content_id: REMOVED,
  purchasely_subscription_id: SUB,
  subscription_started_at: '$D_1702388896',
  original_purchased_at: '$D_1702388896',
  grace_period_expires_at: REMOVED,
  is_auto_renewing: true,
  is_in_grace_period: false,
  is_in_billing_retry: false,
  is_in_trial: false,
  is_in_intro_offer: false,
  is_promo_code: false,
  trial_ends_at: REMOVED,
  cumulated_revenue_in_usd: REMOVED,
  expired_subscription_status: REMOVED,
  expired_subscription_plan: REMOVED,
  expired_subscription_offer_type: REMOVED,
  expired_subscription_expired_at: REMOVED,
  revenue_currency: 'EUR',
  has_lifetime_access: false,
  last_one_time_purchase_at: REMOVED,
};

interface Expected {
  kind: string;
  state: string;
  userKey: string;
  userId: string | null;
  anonymousUserId: string | null;
  body: unknown;
}

const EXPECTED: Record<FixtureName, { status: string; records: Expected[] }> = {
  // Anonymous user without a CleverTap ID: `auto` holds its records.
  SUBSCRIPTION_STARTED: {
    status: 'held',
    records: [
      {
        kind: 'event',
        state: 'held',
        userKey: ANON,
        userId: null,
        anonymousUserId: ANON,
        body: {
          type: 'event',
          evtName: 'SUBSCRIPTION_STARTED',
          ts: 1702389064,
          evtData: {
            ...COMMON_EVT_DATA,
            event_id: '1a03612c-4960-40be-bc69-eeab14f9c6e9',
            event_name: 'SUBSCRIPTION_STARTED',
            purchased_at: '$D_1702388896',
            next_renewal_at: '$D_1702389191',
            event_created_at: '$D_1702389064',
            anonymous_user_id: ANON,
            store_transaction_id: 'GPA.3355-5688-7970-28037',
            cumulated_revenues_in_eur: 9.99,
            effective_next_renewal_at: '$D_1702389191',
          },
        },
      },
      {
        kind: 'profile',
        state: 'held',
        userKey: ANON,
        userId: null,
        anonymousUserId: ANON,
        body: {
          type: 'profile',
          ts: 1702389064,
          profileData: {
            ...COMMON_PROFILE,
            user_id: REMOVED,
            anonymous_user_id: ANON,
            purchased_at: '$D_1702388896',
            next_renewal_at: '$D_1702389191',
            effective_next_renewal_at: '$D_1702389191',
            last_event: 'SUBSCRIPTION_STARTED',
            cumulated_revenues: 9.99,
          },
        },
      },
    ],
  },
  // A user_id: identity is known (`auto` falls back to identity = user_id), records are pending.
  ACTIVATE: {
    status: 'pending',
    records: [
      {
        kind: 'event',
        state: 'pending',
        userKey: 'toto',
        userId: 'toto',
        anonymousUserId: null,
        body: {
          type: 'event',
          evtName: 'ACTIVATE',
          ts: 1702390766,
          evtData: {
            ...COMMON_EVT_DATA,
            user_id: 'toto',
            event_id: '5e45109f-7fac-45f8-a7e4-464892d5d35d',
            event_name: 'ACTIVATE',
            device_id: '1234567890abcdef',
            purchased_at: '$D_1702390391',
            next_renewal_at: '$D_1702390991',
            event_created_at: '$D_1702390766',
            previous_offer_type: 'NONE',
            store_transaction_id: 'GPA.3355-5688-7970-28037..5',
            cumulated_revenues_in_eur: 69.9,
            effective_next_renewal_at: '$D_1702390991',
          },
        },
      },
      {
        kind: 'profile',
        state: 'pending',
        userKey: 'toto',
        userId: 'toto',
        anonymousUserId: null,
        body: {
          type: 'profile',
          ts: 1702390766,
          profileData: {
            ...COMMON_PROFILE,
            user_id: 'toto',
            anonymous_user_id: REMOVED,
            purchased_at: '$D_1702390391',
            next_renewal_at: '$D_1702390991',
            effective_next_renewal_at: '$D_1702390991',
            last_event: 'ACTIVATE',
            cumulated_revenues: 69.9,
          },
        },
      },
    ],
  },
  // Revenue: the event, then Charged (chargedEvent on), then the profile.
  TRANSACTION_PROCESSED: {
    status: 'pending',
    records: [
      {
        kind: 'event',
        state: 'pending',
        userKey: 'toto',
        userId: 'toto',
        anonymousUserId: null,
        body: {
          type: 'event',
          evtName: 'TRANSACTION_PROCESSED',
          ts: 1702390766,
          evtData: {
            ...COMMON_EVT_DATA,
            user_id: 'toto',
            event_id: 'a2430cab-b56f-45d6-9268-8f9f35e20b59',
            event_name: 'TRANSACTION_PROCESSED',
            purchased_at: '$D_1702390391',
            amount_in_eur: 9.99,
            next_renewal_at: '$D_1702390991',
            event_created_at: '$D_1702390766',
            source_event_name: 'SUBSCRIPTION_RENEWED',
            previous_offer_type: 'NONE',
            store_transaction_id: 'GPA.3355-5688-7970-28037..5',
            cumulated_revenues_in_eur: 69.9,
            effective_next_renewal_at: '$D_1702390991',
            amount_in_customer_currency: 9.99,
          },
        },
      },
      {
        kind: 'charged',
        state: 'pending',
        userKey: 'toto',
        userId: 'toto',
        anonymousUserId: null,
        body: {
          type: 'event',
          evtName: 'Charged',
          ts: 1702390766,
          evtData: {
            Amount: 9.99,
            Currency: 'EUR',
            'Charged ID': 'GPA.3355-5688-7970-28037..5',
            Items: [{ product: 'PURCHASELY_PLUS', plan: 'monthly', store_product_id: 'com.purchasely.plus.monthly', purchase_type: 'RENEWING_SUBSCRIPTION' }],
          },
        },
      },
      {
        kind: 'profile',
        state: 'pending',
        userKey: 'toto',
        userId: 'toto',
        anonymousUserId: null,
        body: {
          type: 'profile',
          ts: 1702390766,
          profileData: {
            ...COMMON_PROFILE,
            user_id: 'toto',
            anonymous_user_id: REMOVED,
            purchased_at: '$D_1702390391',
            next_renewal_at: '$D_1702390991',
            effective_next_renewal_at: '$D_1702390991',
            last_event: 'TRANSACTION_PROCESSED',
            cumulated_revenues: 69.9,
          },
        },
      },
    ],
  },
};

const NOW = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe.each(DIALECTS)('processing the documented payloads (%s)', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestContext(dialect, { clock: createManualClock(NOW) });
  });
  afterEach(async () => {
    await t.close();
  });

  it.each(Object.keys(EXPECTED) as FixtureName[])('%s becomes exactly the expected CleverTap records', async (name) => {
    const { appId } = await createTestApp(t.ctx);
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', revenue: { chargedEvent: true } }));
    const payload = fixture(name);
    await insertEvent(t.ctx, appId, payload);

    await processAll(t.ctx);

    const expected = EXPECTED[name];
    const records = await readRecords(t.ctx, appId);
    expect(records.map(({ kind, state, userKey, userId, anonymousUserId, body }) => ({ kind, state, userKey, userId, anonymousUserId, body }))).toEqual(expected.records);
    for (const record of records) {
      expect(record).toMatchObject({ target: 'main', generation: 1, reason: null, eventId: payload['event_id'], nextAttemptAt: NOW });
      expect(record.holdUntil).toBe(record.state === 'held' ? NOW + DAY : null);
    }
    expect(await readEventStatus(t.ctx, appId, String(payload['event_id']))).toEqual({ status: expected.status, reason: null });
  });
});
