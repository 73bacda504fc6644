import { describe, expect, it } from 'vitest';
import { mapProfileRecord } from '../../src/mapping/map-profile-record.js';
import { settingsWith } from './settings-helper.js';

const settings = settingsWith({
  userProperties: {
    has_active_subscription: { enabled: true, name: 'Premium' },
    subscription_status: { enabled: true, name: 'subscription_status' },
    subscription_started_at: { enabled: true, name: 'Subscriber Since' },
    trial_ends_at: { enabled: true, name: 'trial_ends_at' },
    store: { enabled: false, name: 'store' },
  },
});

// The snapshot after the documented SUBSCRIPTION_STARTED: original_purchased_at_ms 1702388896233.
const after = {
  has_active_subscription: true,
  subscription_status: 'AUTO_RENEWING',
  subscription_started_at: 1702388896233,
  trial_ends_at: null,
  store: 'GOOGLE_PLAY_STORE',
};

describe('mapProfileRecord', () => {
  it('sends every enabled property under its CleverTap name, dates as $D_ seconds, a null one as a removal', () => {
    expect(mapProfileRecord(null, after, settings, 1702389064)).toStrictEqual({
      type: 'profile',
      ts: 1702389064,
      profileData: {
        Premium: true,
        subscription_status: 'AUTO_RENEWING',
        'Subscriber Since': '$D_1702388896',
        trial_ends_at: { $delete: true },
      },
    });
  });

  it('sends the whole snapshot when one enabled property changed', () => {
    const before = { ...after, subscription_status: 'AUTO_RENEWING_CANCELED' };
    expect(mapProfileRecord(before, after, settings, 1)?.profileData).toStrictEqual({
      Premium: true,
      subscription_status: 'AUTO_RENEWING',
      'Subscriber Since': '$D_1702388896',
      trial_ends_at: { $delete: true },
    });
  });

  it('produces nothing when only disabled properties changed', () => {
    const before = { ...after, store: 'APPLE_APP_STORE' };
    expect(mapProfileRecord(before, after, settings, 1)).toBeNull();
  });

  it('treats a missing property and a null one as the same', () => {
    const { trial_ends_at: _dropped, ...before } = after;
    expect(mapProfileRecord(before, after, settings, 1)).toBeNull();
  });

  it('produces nothing when no property is enabled', () => {
    expect(mapProfileRecord(null, after, settingsWith(), 1)).toBeNull();
  });
});
