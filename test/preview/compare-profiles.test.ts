/** The pure comparison behind GET …/clevertap-profile: managed properties only, dates as epoch seconds. */
import { describe, expect, it } from 'vitest';
import { compareProfiles, normaliseValue, presentProperties } from '../../src/profiles/compare-profiles.js';

const settings = {
  userProperties: {
    plan: { enabled: true, name: 'Plan Name' },
    next_renewal_at: { enabled: true, name: 'next_renewal_at' },
    has_active_subscription: { enabled: true, name: 'has_active_subscription' },
    cumulated_revenues: { enabled: true, name: 'cumulated_revenues' },
    store: { enabled: false, name: 'store' },
  },
};

describe('normaliseValue', () => {
  it.each([
    ['$D_1700000000', 'date', 1_700_000_000],
    [1_700_000_000, 'date', 1_700_000_000],
    ['2023-11-14T22:13:20Z', 'date', 1_700_000_000],
    ['2023-11-14T22:13:20.999Z', 'date', 1_700_000_000],
    [{ $delete: true }, 'string', null],
    [undefined, 'string', null],
    ['true', 'boolean', true],
    ['4.5', 'number', 4.5],
    ['monthly', 'string', 'monthly'],
  ] as const)('%j as a %s is %j', (value, type, expected) => {
    expect(normaliseValue(value, type)).toEqual(expected);
  });
});

describe('compareProfiles', () => {
  it('is empty when the values agree once dates are epoch seconds, whatever else CleverTap holds', () => {
    expect(
      compareProfiles(
        settings,
        { 'Plan Name': 'monthly', next_renewal_at: '$D_1700000000', has_active_subscription: false, cumulated_revenues: 9.99 },
        { 'Plan Name': 'monthly', next_renewal_at: 1_700_000_000, has_active_subscription: false, cumulated_revenues: '9.99', store: 'elsewhere', Email: 'a@b.co' },
      ),
    ).toEqual([]);
  });

  it('lists each managed property that differs or is missing on one side, under its CleverTap name', () => {
    expect(
      compareProfiles(
        settings,
        { 'Plan Name': 'monthly', has_active_subscription: true },
        { plan: 'yearly', next_renewal_at: '$D_5', has_active_subscription: 'true', store: 'x' },
      ),
    ).toEqual([
      { property: 'Plan Name', snapshot: 'monthly', clevertap: null },
      { property: 'next_renewal_at', snapshot: null, clevertap: '$D_5' },
    ]);
  });

  it('reads a profile record’s $delete entries as absent', () => {
    expect(presentProperties({ a: 1, b: { $delete: true }, c: false })).toEqual({ a: 1, c: false });
  });
});
