/**
 * A profile record that ends `failed` (CleverTap refused it) or `skipped` (its hold expired)
 * may leave CleverTap without the user's snapshot. `forgetSentProfiles` marks that user stale,
 * so the user's next event sends the whole profile even when it changes nothing; without such a
 * failure, an event that changes nothing sends no profile record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { expireHeldRecords } from '../../src/identity/expire-holds.js';
import { createBatchState } from '../../src/processing/batch-state.js';
import { createStateRepo } from '../../src/store/repos/state-repo.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { allEnabledSettingsIn, createTestApp, fixture, insertEvent, processAll, readRecords, storeSettings, type FixtureName, type StoredRecord } from './helpers.js';

type ManualClock = ReturnType<typeof createManualClock>;

const NOW = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const ANON = '5ca811b6-46e9-4847-9381-3911bd5fcd7b';

/** A documented payload again, an hour later under a new event id: it changes no user property. */
function sameAgain(name: FixtureName, eventId: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const payload = fixture(name);
  const ms = (payload['event_created_at_ms'] as number) + HOUR;
  return { ...payload, event_id: eventId, event_created_at_ms: ms, event_created_at: new Date(ms).toISOString(), ...changes };
}

const profileData = (record: StoredRecord) => (record.body as { profileData: Record<string, unknown> }).profileData;

describe.each(DIALECTS)('a profile record that did not reach CleverTap (%s)', (dialect) => {
  let t: TestContext;
  let clock: ManualClock;
  let appId: string;
  beforeEach(async () => {
    clock = createManualClock(NOW);
    t = await createTestContext(dialect, { clock });
    ({ appId } = await createTestApp(t.ctx));
    await storeSettings(t.ctx, appId, allEnabledSettingsIn({ sandbox: 'same_account' }));
  });
  afterEach(async () => {
    await t.close();
  });

  const kindsOf = async (eventId: string) => (await readRecords(t.ctx, appId)).filter((r) => r.eventId === eventId).map((r) => r.kind);
  const staleMark = async (userKey: string) => {
    const row = await t.ctx.store.db.get<{ profile_stale: number }>('SELECT profile_stale FROM user_states WHERE app_id = ? AND user_key = ?', [appId, userKey]);
    return Number(row!.profile_stale);
  };

  it('is not followed by a profile record when the next event changes nothing and nothing failed', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    await insertEvent(t.ctx, appId, sameAgain('ACTIVATE', 'again'));
    await processAll(t.ctx);
    expect(await kindsOf('again')).toEqual(['event']);
  });

  it('once failed and forgotten, makes the next event send the whole profile though it changes nothing', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await insertEvent(t.ctx, appId, { ...fixture('ACTIVATE'), event_id: 'other-activate', user_id: 'other', purchasely_subscription_id: 'subs_other' });
    await processAll(t.ctx);
    const first = (await readRecords(t.ctx, appId)).filter((r) => r.kind === 'profile');
    expect(first.map((r) => r.userKey)).toEqual(['toto', 'other']);
    const totoProfile = first[0]!;

    // CleverTap refused toto's profile for good (what delivery records), and delivery forgets it.
    await t.ctx.store.db.run(`UPDATE records SET state = 'failed', reason = 'refused' WHERE id = ?`, [totoProfile.id]);
    await createStateRepo(t.ctx.store.db).forgetSentProfiles([totoProfile.id]);
    expect(await staleMark('toto')).toBe(1);
    expect(await staleMark('other')).toBe(0);

    await insertEvent(t.ctx, appId, sameAgain('ACTIVATE', 'again'));
    await insertEvent(t.ctx, appId, { ...sameAgain('ACTIVATE', 'other-again'), user_id: 'other', purchasely_subscription_id: 'subs_other' });
    await processAll(t.ctx);

    const again = (await readRecords(t.ctx, appId)).filter((r) => r.eventId === 'again');
    expect(again.map((r) => [r.kind, r.userKey, r.state])).toEqual([
      ['event', 'toto', 'pending'],
      ['profile', 'toto', 'pending'],
    ]);
    // The whole snapshot, removals included: the same profile as the one that failed.
    expect(profileData(again[1]!)).toStrictEqual(profileData(totoProfile));
    expect(profileData(again[1]!)).toMatchObject({ user_id: 'toto', has_active_subscription: true, trial_ends_at: { $delete: true } });
    // Only the user whose profile failed is concerned.
    expect(await kindsOf('other-again')).toEqual(['event']);
  });

  it('is forgotten only for profile records: an event record that failed changes nothing', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const eventRecord = (await readRecords(t.ctx, appId)).find((r) => r.kind === 'event')!;
    await t.ctx.store.db.run(`UPDATE records SET state = 'failed', reason = 'refused' WHERE id = ?`, [eventRecord.id]);
    await createStateRepo(t.ctx.store.db).forgetSentProfiles([eventRecord.id]);

    await insertEvent(t.ctx, appId, sameAgain('ACTIVATE', 'again'));
    await processAll(t.ctx);
    expect(await kindsOf('again')).toEqual(['event']);
  });

  it('skipped because its hold expired, makes the next event send the whole profile though it changes nothing', async () => {
    // An anonymous user without a CleverTap ID: `auto` holds the records for 24 hours.
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await processAll(t.ctx);
    const held = (await readRecords(t.ctx, appId)).find((r) => r.kind === 'profile')!;
    expect(held.state).toBe('held');

    clock.advance(25 * HOUR);
    await expireHeldRecords(t.ctx);
    expect((await readRecords(t.ctx, appId)).map((r) => [r.kind, r.state, r.reason])).toEqual([
      ['event', 'skipped', 'no_identity'],
      ['profile', 'skipped', 'no_identity'],
    ]);
    expect(await staleMark(ANON)).toBe(1);

    await insertEvent(t.ctx, appId, sameAgain('SUBSCRIPTION_STARTED', 'again'));
    await processAll(t.ctx);
    const again = (await readRecords(t.ctx, appId)).filter((r) => r.eventId === 'again');
    expect(again.map((r) => r.kind)).toEqual(['event', 'profile']);
    expect(profileData(again[1]!)).toStrictEqual(profileData(held));
  });

  it('still held, leaves the next event that changes nothing without a profile record', async () => {
    await insertEvent(t.ctx, appId, fixture('SUBSCRIPTION_STARTED'));
    await processAll(t.ctx);
    clock.advance(HOUR);
    await expireHeldRecords(t.ctx); // nothing expired yet
    await insertEvent(t.ctx, appId, sameAgain('SUBSCRIPTION_STARTED', 'again'));
    await processAll(t.ctx);
    expect(await kindsOf('again')).toEqual(['event']);
  });

  it('once failed, is sent again with every removal even when the user has no value left', async () => {
    // Only properties that can all be empty: after a transfer away the profile is nothing but removals.
    await storeSettings(t.ctx, appId, {
      ...allEnabledSettingsIn({ sandbox: 'same_account' }),
      userProperties: { plan: { enabled: true }, product: { enabled: true } },
    });
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    const transfer = { transferred_from_user_id: 'toto', transferred_to_user_id: 'titi' };
    await insertEvent(t.ctx, appId, sameAgain('ACTIVATE', 'transferred', { event_name: 'SUBSCRIPTION_TRANSFERRED', ...transfer }));
    await processAll(t.ctx);
    const removal = (await readRecords(t.ctx, appId)).filter((r) => r.kind === 'profile' && r.userKey === 'toto').at(-1)!;
    expect(profileData(removal)).toStrictEqual({ plan: { $delete: true }, product: { $delete: true } });

    await t.ctx.store.db.run(`UPDATE records SET state = 'failed', reason = 'refused' WHERE id = ?`, [removal.id]);
    await createStateRepo(t.ctx.store.db).forgetSentProfiles([removal.id]);
    // toto buys coins: a one-time purchase changes neither plan nor product of the subscription properties.
    await insertEvent(
      t.ctx,
      appId,
      sameAgain('ACTIVATE', 'coins', {
        purchase_type: 'CONSUMABLE',
        purchasely_subscription_id: null,
        purchasely_one_time_purchase_id: 'otp_coins',
        product: 'COINS',
        plan: 'coins_100',
        event_created_at_ms: (fixture('ACTIVATE')['event_created_at_ms'] as number) + 2 * HOUR,
      }),
    );
    await processAll(t.ctx);
    const coins = (await readRecords(t.ctx, appId)).filter((r) => r.eventId === 'coins' && r.kind === 'profile');
    expect(coins.map((r) => profileData(r))).toStrictEqual([{ plan: { $delete: true }, product: { $delete: true } }]);
  });

  it('keeps the stale mark when processing, having read the user before the failure, writes the user back without a profile record', async () => {
    await insertEvent(t.ctx, appId, fixture('ACTIVATE'));
    await processAll(t.ctx);
    const profile = (await readRecords(t.ctx, appId)).find((r) => r.kind === 'profile')!;
    const scope = { appId, environment: 'SANDBOX' };
    const batch = createBatchState(createStateRepo(t.ctx.store.db));
    const loaded = await batch.getUser(scope, 'toto');
    expect(loaded?.properties).not.toBeNull();

    // Delivery marks the user stale between processing's read and its write (another instance on PostgreSQL).
    await t.ctx.store.db.run(`UPDATE records SET state = 'failed', reason = 'refused' WHERE id = ?`, [profile.id]);
    await createStateRepo(t.ctx.store.db).forgetSentProfiles([profile.id]);
    batch.putUser(scope, 'toto', loaded!.state, loaded!.properties);
    await batch.flush();
    expect(await staleMark('toto')).toBe(1);

    // A batch that did write the whole profile clears the mark.
    const next = createBatchState(createStateRepo(t.ctx.store.db));
    const again = await next.getUser(scope, 'toto');
    expect(again?.properties).toBeNull();
    next.putUser(scope, 'toto', again!.state, loaded!.properties);
    next.markProfileWritten(scope, 'toto');
    await next.flush();
    expect(await staleMark('toto')).toBe(0);
  });
});
