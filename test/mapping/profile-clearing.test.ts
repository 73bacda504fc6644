/**
 * A profile record states the whole snapshot: a property that lost its value is removed in
 * CleverTap (`{"$delete": true}`) instead of keeping its last value, and a boolean without a
 * value is false. Each story is folded from variations of the documented ACTIVATE payload, then
 * mapped the way processing maps it: from the user's snapshot before the story's last step to
 * the snapshot after it.
 */
import { describe, expect, it } from 'vitest';
import type { ProfileValue } from '../../src/clevertap/types.js';
import { mapProfileRecord, toProfileData } from '../../src/mapping/map-profile-record.js';
import type { ParsedEvent } from '../../src/purchasely/payload.js';
import { USER_PROPERTY_CATALOG } from '../../src/purchasely/catalog.js';
import { fixture, foldAll, propertiesOf, variant } from '../state/helpers.js';
import { on, settingsWith } from './settings-helper.js';

const REMOVED = { $delete: true };
const T0 = 1702390766120; // the documented ACTIVATE's event_created_at_ms
const HOUR = 3_600_000;
const everyProperty = settingsWith({ userProperties: on(...USER_PROPERTY_CATALOG.map((p) => p.name)) });

/** An event of the documented ACTIVATE's subscription (user toto), `hours` after it, with some attributes replaced. */
function event(name: string, hours: number, changes: Record<string, unknown> = {}): ParsedEvent {
  const ms = T0 + hours * HOUR;
  return variant(fixture('ACTIVATE'), {
    event_id: `${name.toLowerCase()}-${hours}`,
    event_name: name,
    event_created_at_ms: ms,
    event_created_at: new Date(ms).toISOString(),
    ...changes,
  });
}

/**
 * The profile `userKey` states before `step` (every property enabled) and the profile record
 * `step` makes for them (snapshot after `earlier` → snapshot after `earlier` and `step`).
 */
function recordOfStep(earlier: ParsedEvent[], step: ParsedEvent[], userKey = 'toto'): { before: Record<string, ProfileValue>; after: Record<string, ProfileValue> } {
  const before = propertiesOf(foldAll(earlier), userKey);
  const after = propertiesOf(foldAll([...earlier, ...step]), userKey);
  const record = mapProfileRecord(before, after, everyProperty, Math.floor(step[0]!.eventCreatedAtMs / 1000));
  if (record === null) throw new Error('the step made no profile record');
  return { before: toProfileData(before, everyProperty), after: record.profileData };
}

describe('a profile record after a property lost its value', () => {
  it('removes trial_ends_at once a free trial ended without converting', () => {
    const trial = { offer_type: 'FREE_TRIAL' };
    const ended = { ...trial, subscription_status: 'DEACTIVATED', next_renewal_at: undefined, next_renewal_at_ms: undefined };
    const { before, after } = recordOfStep(
      [event('ACTIVATE', 0, trial), event('TRIAL_STARTED', 0, trial)],
      [event('TRIAL_NOT_CONVERTED', 2, ended), event('DEACTIVATE', 2, ended)],
    );
    expect(before).toMatchObject({ is_in_trial: true, trial_ends_at: '$D_1702390991' });
    expect(after).toMatchObject({ is_in_trial: false, trial_ends_at: REMOVED, has_active_subscription: false });
  });

  it('removes grace_period_expires_at once the grace period recovered', () => {
    const grace = { subscription_status: 'IN_GRACE_PERIOD', grace_period_expires_at: '2023-12-19T14:13:11.777Z', grace_period_expires_at_ms: 1702995191777 };
    const { before, after } = recordOfStep(
      [event('ACTIVATE', 0), event('GRACE_PERIOD_STARTED', 1, grace)],
      [event('SUBSCRIPTION_RECOVERED_FROM_GRACE_PERIOD', 2, { subscription_status: 'AUTO_RENEWING' })],
    );
    expect(before).toMatchObject({ is_in_grace_period: true, grace_period_expires_at: '$D_1702995191' });
    expect(after).toMatchObject({ is_in_grace_period: false, grace_period_expires_at: REMOVED, subscription_status: 'AUTO_RENEWING' });
  });

  it('removes promotional_offer_id once the promotional offer ended', () => {
    const { before, after } = recordOfStep(
      [event('ACTIVATE', 0), event('PROMOTIONAL_OFFER_STARTED', 1, { offer_type: 'PROMOTIONAL_OFFER', promotional_offer_id: 'spring' })],
      [event('PROMOTIONAL_OFFER_CONVERTED', 2, { offer_type: 'NONE', previous_offer_type: 'PROMOTIONAL_OFFER' })],
    );
    expect(before).toMatchObject({ offer_type: 'PROMOTIONAL_OFFER', promotional_offer_id: 'spring' });
    expect(after).toMatchObject({ offer_type: 'NONE', promotional_offer_id: REMOVED });
  });

  it('removes the renewal dates once a terminated subscription no longer states them', () => {
    const cancelled = { subscription_status: 'AUTO_RENEWING_CANCELED' };
    const terminated = {
      subscription_status: 'DEACTIVATED',
      next_renewal_at: undefined,
      next_renewal_at_ms: undefined,
      effective_next_renewal_at: undefined,
      effective_next_renewal_at_ms: undefined,
    };
    const { before, after } = recordOfStep(
      [event('ACTIVATE', 0), event('RENEWAL_DISABLED', 1, cancelled)],
      [event('SUBSCRIPTION_TERMINATED', 2, terminated), event('DEACTIVATE', 2, terminated)],
    );
    expect(before).toMatchObject({ next_renewal_at: '$D_1702390991', effective_next_renewal_at: '$D_1702390991' });
    expect(after).toMatchObject({
      has_active_subscription: false,
      subscription_status: 'DEACTIVATED',
      next_renewal_at: REMOVED,
      effective_next_renewal_at: REMOVED,
      is_auto_renewing: false,
    });
  });

  it("removes the subscription's status, plan and dates from the previous owner's profile on a transfer", () => {
    const transfer = { transferred_from_user_id: 'alice', transferred_to_user_id: 'bob' };
    const { before, after } = recordOfStep(
      [event('ACTIVATE', 0, { user_id: 'alice' })],
      [
        event('SUBSCRIPTION_TRANSFERRED', 1, { user_id: 'alice', ...transfer }),
        event('DEACTIVATE', 1, { user_id: 'alice' }),
        event('SUBSCRIPTION_RECEIVED', 1, { user_id: 'bob', ...transfer }),
        event('ACTIVATE', 1, { user_id: 'bob' }),
      ],
      'alice',
    );
    expect(before).toMatchObject({ has_active_subscription: true, subscription_status: 'AUTO_RENEWING', plan: 'monthly' });
    expect(after).toMatchObject({
      user_id: 'alice',
      has_active_subscription: false,
      subscription_status: REMOVED,
      plan: REMOVED,
      product: REMOVED,
      purchasely_subscription_id: REMOVED,
      subscription_started_at: REMOVED,
      purchased_at: REMOVED,
      original_purchased_at: REMOVED,
      next_renewal_at: REMOVED,
      effective_next_renewal_at: REMOVED,
      is_auto_renewing: false,
    });
  });
});

describe('toProfileData', () => {
  const settings = settingsWith({
    userProperties: {
      ...on(['has_active_subscription', 'Premium'], 'is_in_trial', 'plan', 'trial_ends_at', 'user_id'),
      store: { enabled: false, name: 'store' },
    },
  });

  it('states every enabled property: a value as it is, a boolean without one as false, anything else without one as removed', () => {
    const snapshot = { has_active_subscription: null, is_in_trial: true, plan: null, trial_ends_at: 1702390991777, store: null };
    expect(toProfileData(snapshot, settings)).toStrictEqual({
      Premium: false,
      is_in_trial: true,
      plan: REMOVED,
      trial_ends_at: '$D_1702390991',
      user_id: REMOVED,
    });
  });

  it('is what a profile record carries, once any enabled property changed', () => {
    const before = { has_active_subscription: true, is_in_trial: false, plan: 'monthly', trial_ends_at: null, user_id: 'toto' };
    const after = { ...before, plan: null };
    expect(mapProfileRecord(before, after, settings, 1)?.profileData).toStrictEqual(toProfileData(after, settings));
    expect(toProfileData(after, settings)).toMatchObject({ plan: REMOVED, trial_ends_at: REMOVED, Premium: true });
  });
});
