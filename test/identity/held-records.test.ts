import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { expireHeldRecords } from '../../src/identity/expire-holds.js';
import { setClevertapId } from '../../src/identity/clevertap-id-service.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readEventStatus, readRecords, storeSettings } from '../processing/helpers.js';

const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';
const STARTED_ID = '1a03612c-4960-40be-bc69-eeab14f9c6e9';
const ACTIVATE_ID = '5e45109f-7fac-45f8-a7e4-464892d5d35d';
const NOW = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** A second event of the anonymous user, an hour after SUBSCRIPTION_STARTED. */
function anonymousRenewalDisabled(): Record<string, unknown> {
  return {
    ...fixture('SUBSCRIPTION_STARTED'),
    event_id: 'anon-renewal-disabled-1',
    event_name: 'RENEWAL_DISABLED',
    subscription_status: 'AUTO_RENEWING_CANCELED',
    event_created_at: '2023-12-12T14:51:04.953Z',
    event_created_at_ms: 1702392664953,
  };
}

describe.each(DIALECTS)('held records (%s)', (dialect) => {
  let t: TestContext;
  let clock: ReturnType<typeof createManualClock>;
  let appId: string;
  beforeEach(async () => {
    clock = createManualClock(NOW);
    t = await createTestContext(dialect, { clock });
    ({ appId } = await createTestApp(t.ctx));
  });
  afterEach(async () => {
    await t.close();
  });

  it("an anonymous user's records are held until its CleverTap ID is set, then pending in their original order", async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', identity: { mode: 'auto', holdFor: '1h' } }));
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await insertEvent(t.ctx, appId, anonymousRenewalDisabled());
    await processAll(t.ctx);

    const held = await readRecords(t.ctx, appId);
    expect(held.map((r) => [r.eventId, r.kind, r.state, r.holdUntil])).toEqual([
      [STARTED_ID, 'event', 'held', NOW + HOUR],
      [STARTED_ID, 'profile', 'held', NOW + HOUR],
      ['anon-renewal-disabled-1', 'event', 'held', NOW + HOUR],
      ['anon-renewal-disabled-1', 'profile', 'held', NOW + HOUR],
    ]);
    expect(await readEventStatus(t.ctx, appId, STARTED_ID)).toEqual({ status: 'held', reason: null });

    clock.advance(10 * 60_000);
    await setClevertapId(t.ctx, appId, ANON, '__g5e0a1b2c3d4');

    const released = await readRecords(t.ctx, appId);
    expect(released.map((r) => r.id)).toEqual(held.map((r) => r.id));
    expect(released.map((r) => [r.state, r.holdUntil, r.nextAttemptAt])).toEqual(held.map(() => ['pending', null, NOW + 10 * 60_000]));
    expect(await readEventStatus(t.ctx, appId, STARTED_ID)).toEqual({ status: 'pending', reason: null });
    expect(await readEventStatus(t.ctx, appId, 'anon-renewal-disabled-1')).toEqual({ status: 'pending', reason: null });
  });

  it('held records whose holdFor passed end skipped: no_identity, and so do their events', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', identity: { mode: 'auto', holdFor: '1h' } }));
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await processAll(t.ctx);

    clock.advance(HOUR - 1);
    await expireHeldRecords(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => r.state)).toEqual(['held', 'held']);

    clock.advance(1);
    await expireHeldRecords(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'no_identity'],
      ['skipped', 'no_identity'],
    ]);
    expect(await readEventStatus(t.ctx, appId, STARTED_ID)).toEqual({ status: 'skipped', reason: 'no_identity' });

    // An ID arriving afterwards does not resurrect them.
    await setClevertapId(t.ctx, appId, ANON, '__late');
    expect((await readRecords(t.ctx, appId)).map((r) => r.state)).toEqual(['skipped', 'skipped']);
  });

  it('records of a user whose CleverTap ID is already known are pending at once', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    await setClevertapId(t.ctx, appId, ANON, '__known');
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await processAll(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => r.state)).toEqual(['pending', 'pending']);
  });

  it('object_id mode holds a user that has a user_id too, and releases it when that user_id gets an ID', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', identity: { mode: 'object_id' } }));
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => r.state)).toEqual(['held', 'held']);
    expect(await readEventStatus(t.ctx, appId, ACTIVATE_ID)).toEqual({ status: 'held', reason: null });

    await setClevertapId(t.ctx, appId, 'toto', '-HwB9gZ');
    expect((await readRecords(t.ctx, appId)).map((r) => r.state)).toEqual(['pending', 'pending']);
  });

  it('identity mode skips an anonymous event at once: no_identity, and sends a user_id event', async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account', identity: { mode: 'identity' } }));
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await insertEvent(t.ctx, appId, fixture('TRANSACTION_PROCESSED'));
    await processAll(t.ctx);
    expect(await readEventStatus(t.ctx, appId, STARTED_ID)).toEqual({ status: 'skipped', reason: 'no_identity' });
    const records = await readRecords(t.ctx, appId);
    expect(records.filter((r) => r.eventId === STARTED_ID).map((r) => [r.state, r.reason])).toEqual([
      ['skipped', 'no_identity'],
      ['skipped', 'no_identity'],
    ]);
    // toto's event takes the subscription over from the anonymous user: both profiles are
    // recomputed; the anonymous one cannot be identified in this mode.
    expect(records.filter((r) => r.eventId !== STARTED_ID).map((r) => [r.kind, r.userKey, r.state, r.reason])).toEqual([
      ['event', 'toto', 'pending', null],
      ['profile', 'toto', 'pending', null],
      ['profile', ANON, 'skipped', 'no_identity'],
    ]);
    expect(await readEventStatus(t.ctx, appId, 'a2430cab-b56f-45d6-9268-8f9f35e20b59')).toEqual({ status: 'pending', reason: null });
  });

  it("setting one user's CleverTap ID leaves another user's held records alone", async () => {
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await insertEvent(t.ctx, appId, { ...fixture('SUBSCRIPTION_STARTED'), event_id: 'other-anon', anonymous_user_id: 'other-anon-user', purchasely_subscription_id: 'subs_other' });
    await processAll(t.ctx);
    await setClevertapId(t.ctx, appId, 'other-anon-user', '__other');
    const records = await readRecords(t.ctx, appId);
    expect(records.map((r) => [r.userKey, r.state])).toEqual([
      [ANON, 'held'],
      [ANON, 'held'],
      ['other-anon-user', 'pending'],
      ['other-anon-user', 'pending'],
    ]);
  });
});
