import { readFileSync } from 'node:fs';
import { parsePurchaselyEvent, type ParsedEvent } from '../../src/purchasely/payload.js';
import {
  computeUserProperties,
  foldSubscription,
  foldUser,
  ownerOf,
  subscriptionIdOf,
  type SubscriptionState,
  type UserProperties,
  type UserState,
} from '../../src/state/index.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const FIXTURES = PURCHASELY_FIXTURE_DIR;

/** A documented payload from the shared fixtures, as a plain object. */
export function fixture(name: 'ACTIVATE' | 'SUBSCRIPTION_STARTED' | 'TRANSACTION_PROCESSED'): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}/${name}.json`, 'utf8')) as Record<string, unknown>;
}

/** Parses a payload the way the webhook does; fails the test if it would be quarantined. */
export function parsed(payload: Record<string, unknown>): ParsedEvent {
  const result = parsePurchaselyEvent(JSON.stringify(payload));
  if (!result.ok) throw new Error(`fixture quarantined: ${result.reason}`);
  return result.event;
}

/** A fixture with some attributes replaced (undefined removes one). */
export function variant(base: Record<string, unknown>, changes: Record<string, unknown>): ParsedEvent {
  const payload: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete payload[name];
    else payload[name] = value;
  }
  return parsed(payload);
}

export type World = { subs: Map<string, SubscriptionState>; users: Map<string, UserState> };

/** A tiny stand-in for processing: folds each event into its user and its subscription. */
export function foldAll(events: readonly ParsedEvent[], world: World = { subs: new Map(), users: new Map() }): World {
  for (const ev of events) {
    if (ev.userKey !== null) world.users.set(ev.userKey, foldUser(world.users.get(ev.userKey) ?? null, ev.userKey, ev));
    const sid = subscriptionIdOf(ev);
    if (sid !== null) world.subs.set(sid, foldSubscription(world.subs.get(sid) ?? null, ev));
  }
  return world;
}

/** Properties of one user, from the subscriptions it owns. */
export function propertiesOf(world: World, userKey: string): UserProperties {
  const user = world.users.get(userKey);
  if (user === undefined) throw new Error(`no state for ${userKey}`);
  const owned = [...world.subs.values()].filter((sub) => ownerOf(sub) === userKey);
  return computeUserProperties(user, owned);
}

/** Owners of every subscription, by subscription id. */
export function ownersOf(world: World): Record<string, string | null> {
  return Object.fromEntries([...world.subs.entries()].sort().map(([sid, sub]) => [sid, ownerOf(sub)]));
}
