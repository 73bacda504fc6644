/**
 * The pure parts of the dashboard's issue-14 screens: the likely cause of a refused webhook in
 * plain words (Setup), and the rows of the profile comparison (Identity).
 */
import { describe, expect, it } from 'vitest';
import { formatAgo } from '../../web/src/format.js';
import { formatProfileValue, otherClevertapProperties, profileRows } from '../../web/src/profile-rows.js';
import { explainRejection, formatSkew, rejectionLabel } from '../../web/src/rejections.js';

describe('the likely cause of a refused request', () => {
  it.each([
    ['missing_signature', null, 'no Purchasely signature'],
    ['bad_signature', null, "the secret in Purchasely's console differs from the one set here"],
    ['legacy_scheme_not_allowed', null, 'older signature scheme'],
    ['unknown_app', null, 'app that does not exist here'],
  ])('%s says what to check', (reason, skewSeconds, expected) => {
    expect(explainRejection({ reason, skewSeconds, size: 900 })).toContain(expected);
  });

  it('names how far behind or ahead the timestamps are, and the clock to check', () => {
    expect(explainRejection({ reason: 'timestamp_out_of_window', skewSeconds: -420, size: 900 }, { toleranceSeconds: 300 })).toMatch(
      /^Timestamps 420 s behind this server's clock \(the window is 300 s\): check this server's clock/,
    );
    expect(explainRejection({ reason: 'timestamp_out_of_window', skewSeconds: 3 * 3600 + 120, size: 900 })).toMatch(/^Timestamps 3 h 2 min ahead of this server's clock: check/);
    expect(explainRejection({ reason: 'timestamp_out_of_window', skewSeconds: null, size: 900 })).toContain("too far from this server's clock");
  });

  it('gives the size of a body over the limit', () => {
    expect(explainRejection({ reason: 'payload_too_large', skewSeconds: null, size: 300_000 })).toContain('A body of 293 KiB, over the 256 KiB limit');
  });

  it('shows a reason it does not know as it is', () => {
    expect(explainRejection({ reason: 'something_new', skewSeconds: null, size: 1 })).toBe('Refused (something_new).');
    expect(rejectionLabel('something_new')).toBe('something new');
    expect(rejectionLabel('bad_signature')).toBe('wrong signature');
  });

  it('reads durations at a glance', () => {
    expect(formatSkew(-59)).toBe('59 s');
    expect(formatSkew(599)).toBe('599 s');
    expect(formatSkew(900)).toBe('15 min');
    expect(formatSkew(7200)).toBe('2 h');
    expect(formatSkew(-3 * 86_400)).toBe('3 days');
  });
});

describe('the rows of the profile comparison', () => {
  const view = {
    snapshot: { 'Plan Name': 'monthly', has_active_subscription: true, next_renewal_at: '$D_1775037600' },
    lastDelivered: { 'Plan Name': 'weekly', has_active_subscription: true },
    clevertap: { 'Plan Name': 'yearly', has_active_subscription: true, next_renewal_at: 1775037600, trial_ends_at: '$D_1775000000', Email: 'a@b.c' },
    differences: [
      { property: 'Plan Name', snapshot: 'monthly', clevertap: 'yearly' },
      { property: 'trial_ends_at', snapshot: null, clevertap: '$D_1775000000' },
    ],
  };

  it('has one row per managed property, marking those the server found different and those not delivered yet', () => {
    expect(profileRows(view)).toEqual([
      { property: 'Plan Name', snapshot: 'monthly', clevertap: 'yearly', lastDelivered: 'weekly', differs: true, undelivered: true },
      { property: 'has_active_subscription', snapshot: true, clevertap: true, lastDelivered: true, differs: false, undelivered: false },
      { property: 'next_renewal_at', snapshot: '$D_1775037600', clevertap: 1775037600, lastDelivered: undefined, differs: false, undelivered: true },
      { property: 'trial_ends_at', snapshot: undefined, clevertap: '$D_1775000000', lastDelivered: undefined, differs: true, undelivered: false },
    ]);
  });

  it('lists CleverTap’s other properties apart', () => {
    expect(otherClevertapProperties(view)).toEqual([['Email', 'a@b.c']]);
    expect(otherClevertapProperties({ ...view, clevertap: null })).toEqual([]);
  });

  it('marks nothing undelivered when nothing was ever delivered', () => {
    expect(profileRows({ ...view, lastDelivered: null, differences: [] }).map((r) => r.undelivered)).toEqual([false, false, false]);
  });

  it('shows dates, removals and absent values readably', () => {
    expect(formatProfileValue('$D_1775037600')).toBe('2026-04-01 10:00:00 UTC');
    expect(formatProfileValue({ $delete: true })).toBe('— (removed)');
    expect(formatProfileValue(undefined)).toBe('—');
    expect(formatProfileValue(false)).toBe('false');
    expect(formatProfileValue(['a'])).toBe('["a"]');
  });
});

describe('times relative to now', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it.each([
    ['2026-03-01T12:00:00Z', 'just now'],
    ['2026-03-01T11:59:30Z', '30 s ago'],
    ['2026-03-01T11:45:00Z', '15 min ago'],
    ['2026-03-01T09:00:00Z', '3 h ago'],
  ])('%s is %s', (at, expected) => {
    expect(formatAgo(at, now)).toBe(expected);
  });
});
