import { describe, expect, it } from 'vitest';
import { checkRecord } from '../../src/clevertap/naming.js';
import { planEvent } from '../../src/mapping/plan-event.js';
import type { IntegrationSettings } from '../../src/settings/schema.js';
import { eventWith, loadFixtureEvent } from './fixture-events.js';
import { on, settingsWith } from './settings-helper.js';

const tx = loadFixtureEvent('TRANSACTION_PROCESSED'); // environment SANDBOX, user_id toto
const productionTx = { ...tx, environment: 'PRODUCTION' };

const full = (overrides: Partial<IntegrationSettings> = {}) =>
  settingsWith({
    events: on('TRANSACTION_PROCESSED'),
    userProperties: on('subscription_status'),
    revenue: { chargedEvent: true, currency: 'integration' },
    ...overrides,
  });

const change = (userKey: string, from: string | null, to: string) => ({
  userKey,
  before: from === null ? null : { subscription_status: from },
  after: { subscription_status: to },
});

describe('planEvent', () => {
  it('orders the records: event, Charged, then each changed profile', () => {
    const plan = planEvent({
      ev: productionTx,
      settings: full(),
      enabled: true,
      profiles: [change('toto', null, 'AUTO_RENEWING'), change('other', 'AUTO_RENEWING', 'DEACTIVATED')],
    });
    expect(plan.skipReason).toBeNull();
    expect(plan.records.map((r) => [r.target, r.userKey, r.kind])).toEqual([
      ['main', 'toto', 'event'],
      ['main', 'toto', 'charged'],
      ['main', 'toto', 'profile'],
      ['main', 'other', 'profile'],
    ]);
    expect(plan.records[2]?.body).toStrictEqual({
      type: 'profile',
      ts: 1702390766,
      profileData: { subscription_status: 'AUTO_RENEWING' },
    });
    expect(plan.records[1]?.body).toMatchObject({ evtName: 'Charged', evtData: { Amount: 9.99, Currency: 'EUR' } });
  });

  it('still updates the profile when the event itself is disabled', () => {
    const plan = planEvent({
      ev: productionTx,
      settings: full({ events: {}, revenue: { chargedEvent: false, currency: 'integration' } }),
      enabled: true,
      profiles: [change('toto', 'ON_HOLD', 'AUTO_RENEWING')],
    });
    expect(plan.records.map((r) => r.kind)).toEqual(['profile']);
    expect(plan.skipReason).toBeNull();
  });

  it.each([
    ['the app has no active integration', { enabled: false, settings: full() }, 'integration_disabled'],
    ['the settings switch the integration off', { enabled: true, settings: full({ enabled: false }) }, 'integration_disabled'],
    ['sandbox events are skipped', { enabled: true, settings: full({ sandbox: 'skip' }) }, 'sandbox_skipped'],
  ] as const)('produces nothing when %s', (_label, { enabled, settings }, reason) => {
    const plan = planEvent({ ev: tx, settings, enabled, profiles: [change('toto', null, 'AUTO_RENEWING')] });
    expect(plan).toEqual({ records: [], skipReason: reason, note: null });
  });

  it('says event_disabled when the event is off and no enabled property changed', () => {
    const plan = planEvent({
      ev: productionTx,
      settings: full({ events: {}, revenue: { chargedEvent: false, currency: 'integration' } }),
      enabled: true,
      profiles: [change('toto', 'AUTO_RENEWING', 'AUTO_RENEWING')],
    });
    expect(plan).toEqual({ records: [], skipReason: 'event_disabled', note: null });
  });

  it('says no_user_key for an event with neither user_id nor anonymous_user_id', () => {
    const ev = eventWith({ event_name: 'TRANSACTION_PROCESSED', amount_in_eur: 5 });
    expect(planEvent({ ev, settings: full(), enabled: true, profiles: [] })).toEqual({ records: [], skipReason: 'no_user_key', note: null });
  });

  it('sends sandbox events to the main account with same_account and to the sandbox account with sandbox_account', () => {
    const same = planEvent({ ev: tx, settings: full({ sandbox: 'same_account' }), enabled: true, profiles: [] });
    expect(same.records.map((r) => r.target)).toEqual(['main', 'main']);
    const own = planEvent({ ev: tx, settings: full({ sandbox: 'sandbox_account' }), enabled: true, profiles: [] });
    expect(own.records.map((r) => r.target)).toEqual(['sandbox', 'sandbox']);
  });

  it('sends production events to the main account whatever the sandbox setting', () => {
    const plan = planEvent({ ev: productionTx, settings: full({ sandbox: 'sandbox_account' }), enabled: true, profiles: [] });
    expect(plan.records.map((r) => r.target)).toEqual(['main', 'main']);
  });
});

describe("planEvent records against CleverTap's own rules", () => {
  it.each(['ACTIVATE', 'SUBSCRIPTION_STARTED', 'TRANSACTION_PROCESSED'] as const)('produces only records CleverTap accepts for the documented %s', (fixture) => {
    const ev = { ...loadFixtureEvent(fixture), environment: 'PRODUCTION' };
    const plan = planEvent({
      ev,
      settings: full({ events: on(fixture) }),
      enabled: true,
      profiles: [{ userKey: 'toto', before: null, after: { subscription_status: 'AUTO_RENEWING' } }],
    });
    expect(plan.records.length).toBeGreaterThanOrEqual(2);
    for (const record of plan.records) expect(checkRecord(record.body)).toEqual([]);
  });
});
