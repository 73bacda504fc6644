import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readEventStatus, readRecords, storeSettings } from './helpers.js';

const ACTIVATE_ID = '5e45109f-7fac-45f8-a7e4-464892d5d35d';

describe.each(DIALECTS)('sandbox handling and skip reasons (%s)', (dialect) => {
  let t: TestContext;
  let appId: string;
  beforeEach(async () => {
    t = await createTestContext(dialect);
    ({ appId } = await createTestApp(t.ctx));
  });
  afterEach(async () => {
    await t.close();
  });

  it('an app that never saved settings produces nothing: integration_disabled', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toEqual([]);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'integration_disabled' });
  });

  it('a SANDBOX event produces nothing with the default sandbox setting: sandbox_skipped', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn());
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toEqual([]);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'sandbox_skipped' });
  });

  it('a SANDBOX event goes to the main account with same_account', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.kind, r.target])).toEqual([
      ['event', 'main'],
      ['profile', 'main'],
    ]);
  });

  it('a SANDBOX event goes to the sandbox account with sandbox_account', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'sandbox_account', sandboxAccount: { region: 'us1', accountId: 'TEST-486-4W5Z' } }));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.kind, r.target])).toEqual([
      ['event', 'sandbox'],
      ['profile', 'sandbox'],
    ]);
  });

  it('a PRODUCTION event goes to the main account whatever the sandbox setting', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'skip' }));
    await insertEvent(t.ctx, appId, { ...fixture('ACTIVATE'), environment: 'PRODUCTION' });
    await processAll(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => [r.kind, r.target])).toEqual([
      ['event', 'main'],
      ['profile', 'main'],
    ]);
  });

  it('an event with neither user_id nor anonymous_user_id is skipped: no_user_key', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    const { user_id: _dropped, ...payload } = fixture('ACTIVATE');
    await insertEvent(t.ctx, appId, payload);
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toEqual([]);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'no_user_key' });
  });

  it('a disabled event that changes no enabled property is skipped: event_disabled', async () => {
    await storeSettings(t.ctx, appId, { enabled: true, accountId: 'W9R-486-4W5Z', sandbox: 'same_account' });
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toEqual([]);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'event_disabled' });
  });

  it('a disabled event still sends the profile when it changed an enabled property', async () => {
    await storeSettings(t.ctx, appId, {
      enabled: true,
      accountId: 'W9R-486-4W5Z',
      sandbox: 'same_account',
      userProperties: { plan: { enabled: true, name: 'Plan' } },
    });
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => r.body)).toEqual([{ type: 'profile', ts: 1702390766, profileData: { Plan: 'monthly' } }]);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'pending', reason: null });
  });

  it('events processed while disabled still fold the state: enabling sends the profile CleverTap never got, then only changes', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'skipped', reason: 'integration_disabled' });
    await storeSettings(t.ctx, appId, {
      enabled: true,
      accountId: 'W9R-486-4W5Z',
      sandbox: 'same_account',
      userProperties: { plan: { enabled: true } },
    });
    // The plan was folded while the integration was off but never sent: the next event sends it.
    await insertEvent(t.ctx, appId, fixture('TRANSACTION_PROCESSED'));
    await processAll(t.ctx);
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.kind, r.userKey, r.body])).toEqual([['profile', 'toto', { type: 'profile', profileData: { plan: 'monthly' }, ts: 1702390766 }]]);
    // Same subscription, same plan afterwards: the enabled property did not change, so no profile.
    const again = {
      ...fixture('TRANSACTION_PROCESSED'),
      event_id: 'b2430cab-0000-45d6-9268-8f9f35e20b59',
      event_created_at_ms: 1702390767120,
      event_created_at: '2023-12-12T14:19:27.120Z',
    };
    await insertEvent(t.ctx, appId, again);
    await processAll(t.ctx);
    expect(await readRecords(t.ctx, appId)).toHaveLength(1);
    expect(await readEventStatus(t.ctx, appId, 'b2430cab-0000-45d6-9268-8f9f35e20b59')).toEqual({ status: 'skipped', reason: 'event_disabled' });
  });
});
