import { describe, expect, it } from 'vitest';
import {
  checkEventName,
  checkProfilePropertyName,
  checkPropertyKey,
  checkRecord,
  checkValue,
  collisionKey,
  FORBIDDEN_NAME_CHARACTERS,
  RESERVED_EVENT_NAMES,
  STANDARD_PROFILE_KEYS,
  truncateUtf8,
} from '../../src/clevertap/naming.js';

// Written out from reference/clevertap.md, not imported, so a typo in the module fails here.
const FORBIDDEN = ['%', '>', '<', '!', '|', '&', '.', ':', ';', '$', "'", '"', '\\'];
const RESERVED = [
  'Notification Sent',
  'Notification Viewed',
  'Notification Clicked',
  'Notification Delivered',
  'Notification Replied',
  'UTM Visited',
  'App Launched',
  'App Uninstalled',
  'App Version Changed',
  'Stayed',
  'Reply Sent',
  'Experiment Rendered',
  'Reachable By',
  'Identity Reset',
  'Identity Set',
  'Identity Error',
];
const STANDARD = [
  'Name',
  'Email',
  'Phone',
  'Gender',
  'DOB',
  'Age',
  'Identity',
  'Photo',
  'Employed',
  'Education',
  'Married',
  'Customer Type',
  'MSG-email',
  'MSG-push',
  'MSG-sms',
  'MSG-whatsapp',
];

describe('the exported rule tables', () => {
  it('list exactly the documented forbidden characters, reserved events and standard profile keys', () => {
    expect([...FORBIDDEN_NAME_CHARACTERS].sort()).toEqual([...FORBIDDEN].sort());
    expect([...RESERVED_EVENT_NAMES].sort()).toEqual([...RESERVED].sort());
    expect([...STANDARD_PROFILE_KEYS].sort()).toEqual([...STANDARD].sort());
  });
});

describe('checkEventName', () => {
  it('accepts an ordinary name', () => {
    expect(checkEventName('Subscription Started')).toBeNull();
    expect(checkEventName('SUBSCRIPTION_STARTED')).toBeNull();
    expect(checkEventName('Charged')).toBeNull();
  });

  it.each(FORBIDDEN)('rejects a name containing %s and names the character', (c) => {
    const message = checkEventName(`Sub${c}Started`);
    expect(message).not.toBeNull();
    expect(message).toContain(`"${c}"`);
  });

  it('allows # in event names (only profile keys forbid it)', () => {
    expect(checkEventName('Plan #2 Bought')).toBeNull();
  });

  it.each(RESERVED)('rejects the reserved system event "%s"', (name) => {
    expect(checkEventName(name)).toMatch(/system event/);
  });

  it('rejects reserved names written in another case or without spaces', () => {
    expect(checkEventName('app launched')).not.toBeNull();
    expect(checkEventName('AppLaunched')).not.toBeNull();
    expect(checkEventName('IDENTITY  SET')).not.toBeNull();
  });

  it('accepts names that merely contain a reserved name', () => {
    expect(checkEventName('App Launched Twice')).toBeNull();
  });

  it('accepts 120 characters and rejects 121', () => {
    expect(checkEventName('a'.repeat(120))).toBeNull();
    expect(checkEventName('a'.repeat(121))).toMatch(/121 characters.*at most 120/);
  });

  it('counts characters, not bytes, for event names', () => {
    expect(checkEventName('é'.repeat(120))).toBeNull();
    expect(checkEventName('😀'.repeat(120))).toBeNull();
    expect(checkEventName('😀'.repeat(121))).not.toBeNull();
  });

  it('rejects an empty or blank name', () => {
    expect(checkEventName('')).toMatch(/empty/);
    expect(checkEventName('   ')).toMatch(/empty/);
  });
});

describe('checkPropertyKey', () => {
  it.each(FORBIDDEN)('rejects %s in event and profile keys', (c) => {
    expect(checkPropertyKey(`plan${c}id`, 'event')).toContain(`"${c}"`);
    expect(checkPropertyKey(`plan${c}id`, 'profile')).toContain(`"${c}"`);
  });

  it('rejects # in profile keys only', () => {
    expect(checkPropertyKey('plan#id', 'event')).toBeNull();
    expect(checkPropertyKey('plan#id', 'profile')).toContain('"#"');
  });

  it('accepts 120 characters and rejects 121', () => {
    expect(checkPropertyKey('k'.repeat(120), 'event')).toBeNull();
    expect(checkPropertyKey('k'.repeat(121), 'event')).not.toBeNull();
    expect(checkPropertyKey('k'.repeat(120), 'profile')).toBeNull();
    expect(checkPropertyKey('k'.repeat(121), 'profile')).not.toBeNull();
  });

  it('limits profile keys to 120 UTF-8 bytes', () => {
    expect(checkPropertyKey('é'.repeat(60), 'profile')).toBeNull(); // 120 bytes
    expect(checkPropertyKey('é'.repeat(61), 'profile')).toMatch(/122 bytes/);
    expect(checkPropertyKey('é'.repeat(61), 'event')).toBeNull();
  });
});

describe('checkProfilePropertyName', () => {
  it("accepts the bridge's own property names", () => {
    expect(checkProfilePropertyName('subscription_status')).toBeNull();
    expect(checkProfilePropertyName('Subscription Status')).toBeNull();
  });

  it.each(STANDARD)('rejects the standard profile key "%s"', (key) => {
    expect(checkProfilePropertyName(key)).toMatch(/standard profile field/);
  });

  it('rejects standard keys in another case or spacing', () => {
    expect(checkProfilePropertyName('email')).toContain('"Email"');
    expect(checkProfilePropertyName('customertype')).toContain('"Customer Type"');
    expect(checkProfilePropertyName('msg-PUSH')).toContain('"MSG-push"');
  });

  it('applies the profile key character rules first', () => {
    expect(checkProfilePropertyName('plan#')).toContain('"#"');
  });
});

describe('collisionKey', () => {
  it('makes names that differ only by case or spaces equal', () => {
    expect(collisionKey('Subscription Started')).toBe('subscriptionstarted');
    expect(collisionKey('subscription started')).toBe(collisionKey('SubscriptionStarted'));
    expect(collisionKey(' Sub  Started ')).toBe(collisionKey('substarted'));
  });

  it('keeps names with different letters apart', () => {
    expect(collisionKey('Sub_Started')).not.toBe(collisionKey('SubStarted'));
  });
});

describe('checkValue', () => {
  it('accepts scalars and well-formed dates', () => {
    expect(checkValue('monthly')).toBeNull();
    expect(checkValue(9.99)).toBeNull();
    expect(checkValue(false)).toBeNull();
    expect(checkValue('$D_1700000000')).toBeNull();
  });

  it('rejects malformed dates, non-finite numbers, nulls, lists and objects', () => {
    expect(checkValue('$D_2024-01-01')).toMatch(/date/);
    expect(checkValue(Number.NaN)).not.toBeNull();
    expect(checkValue(Number.POSITIVE_INFINITY)).not.toBeNull();
    expect(checkValue(null)).not.toBeNull();
    expect(checkValue(undefined)).not.toBeNull();
    expect(checkValue(['a'])).toMatch(/list/);
    expect(checkValue({ a: 1 })).toMatch(/nested/);
  });

  it('accepts 512 bytes and rejects 513, counting multi-byte characters in bytes', () => {
    expect(checkValue('a'.repeat(512))).toBeNull();
    expect(checkValue('a'.repeat(513))).toMatch(/513 bytes/);
    expect(checkValue('é'.repeat(256))).toBeNull(); // 2 bytes each = 512
    expect(checkValue(`${'é'.repeat(256)}a`)).toMatch(/513 bytes/);
    expect(checkValue('€'.repeat(171))).toMatch(/513 bytes/); // 3 bytes each
    expect(checkValue('😀'.repeat(128))).toBeNull(); // 4 bytes each = 512
  });
});

describe('truncateUtf8', () => {
  it('leaves a string that fits unchanged', () => {
    expect(truncateUtf8('é'.repeat(256))).toBe('é'.repeat(256));
  });

  it('cuts before a 2-byte character that would straddle byte 512', () => {
    expect(truncateUtf8(`${'a'.repeat(511)}é`)).toBe('a'.repeat(511));
  });

  it('cuts before a 3-byte character that would straddle byte 512', () => {
    expect(truncateUtf8('€'.repeat(171))).toBe('€'.repeat(170));
  });

  it('cuts before a 4-byte character (a surrogate pair) that would straddle byte 512', () => {
    const cut = truncateUtf8(`a${'😀'.repeat(128)}`);
    expect(cut).toBe(`a${'😀'.repeat(127)}`);
    expect(Buffer.byteLength(cut)).toBe(509);
  });

  it('honours a custom limit', () => {
    expect(truncateUtf8('abcdef', 4)).toBe('abcd');
    expect(truncateUtf8('aé', 2)).toBe('a');
  });
});

describe('checkRecord', () => {
  const ts = 1_700_000_000;
  const props = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));

  it('accepts 100 event properties and rejects 101', () => {
    expect(checkRecord({ type: 'event', evtName: 'Renewed', evtData: props(100), ts })).toEqual([]);
    expect(checkRecord({ type: 'event', evtName: 'Renewed', evtData: props(101), ts })).toEqual(['The event has 101 properties; CleverTap accepts at most 100.']);
  });

  it('allows Items only on Charged', () => {
    const items = [{ product: 'premium', plan: 'monthly' }];
    expect(checkRecord({ type: 'event', evtName: 'Charged', evtData: { Amount: 9.99, Items: items }, ts })).toEqual([]);
    expect(checkRecord({ type: 'event', evtName: 'Renewed', evtData: { Items: items }, ts })).toHaveLength(1);
  });

  it('reports every problem of a profile at once', () => {
    const problems = checkRecord({ type: 'profile', profileData: { 'a#b': 'x', long: 'z'.repeat(600) }, ts: 1.5 });
    expect(problems).toHaveLength(3);
  });
});
