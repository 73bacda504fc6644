import { describe, expect, it } from 'vitest';
import { resolveIdentifier, type IdentifierInput } from '../../src/identity/resolve-identifier.js';

const none = { userId: null, anonymousUserId: null, clevertapIdForUserId: null, clevertapIdForAnonymousId: null };

type Case = [string, IdentifierInput, ReturnType<typeof resolveIdentifier>];

const cases: Case[] = [
  [
    'auto uses the CleverTap ID set for the user_id as objectId',
    { ...none, mode: 'auto', userId: 'toto', anonymousUserId: 'anon-1', clevertapIdForUserId: '__u1', clevertapIdForAnonymousId: '__a1' },
    { objectId: '__u1' },
  ],
  [
    'auto falls back to the CleverTap ID set for the anonymous_user_id',
    { ...none, mode: 'auto', userId: 'toto', anonymousUserId: 'anon-1', clevertapIdForAnonymousId: '__a1' },
    { objectId: '__a1' },
  ],
  ['auto falls back to identity = user_id when no CleverTap ID is set', { ...none, mode: 'auto', userId: 'toto', anonymousUserId: 'anon-1' }, { identity: 'toto' }],
  ['auto holds an anonymous user without a CleverTap ID', { ...none, mode: 'auto', anonymousUserId: 'anon-1' }, null],
  ['auto uses the anonymous CleverTap ID of an anonymous user', { ...none, mode: 'auto', anonymousUserId: 'anon-1', clevertapIdForAnonymousId: '__a1' }, { objectId: '__a1' }],
  ['object_id never falls back to identity', { ...none, mode: 'object_id', userId: 'toto' }, null],
  ['object_id uses the CleverTap ID of the user_id', { ...none, mode: 'object_id', userId: 'toto', clevertapIdForUserId: '__u1' }, { objectId: '__u1' }],
  ['identity mode ignores CleverTap IDs and uses the user_id', { ...none, mode: 'identity', userId: 'toto', clevertapIdForUserId: '__u1' }, { identity: 'toto' }],
  ['identity mode has nothing for an anonymous user even with a CleverTap ID', { ...none, mode: 'identity', anonymousUserId: 'anon-1', clevertapIdForAnonymousId: '__a1' }, null],
  ['an empty user_id counts as absent', { ...none, mode: 'auto', userId: '' }, null],
];

describe('resolveIdentifier', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(resolveIdentifier(input)).toEqual(expected);
  });
});
