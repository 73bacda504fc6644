import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import type { IntegrationSettings, MappingEntry } from './schema.js';

/** How long a record of a user without a CleverTap ID waits before it is skipped. */
export const DEFAULT_HOLD_FOR = '24h';

/**
 * The settings of an app that has never configured CleverTap (SPEC §3): integration off,
 * every catalogue event and user property listed but disabled (as in Purchasely) under its
 * Purchasely name, identity `auto` holding records 24 h, no `Charged` event.
 *
 * Every catalogue entry is present so the dashboard and API clients see the full list
 * without merging it with the catalogue themselves. A fresh object is returned each call.
 */
export function defaultIntegrationSettings(): IntegrationSettings {
  return {
    enabled: false,
    region: 'eu1',
    accountId: '',
    sandbox: 'skip',
    sandboxAccount: { region: 'eu1', accountId: '' },
    events: defaultEntries(EVENT_CATALOG.map((e) => e.name)),
    userProperties: defaultEntries(USER_PROPERTY_CATALOG.map((p) => p.name)),
    identity: { mode: 'auto', holdFor: DEFAULT_HOLD_FOR },
    revenue: { chargedEvent: false, currency: 'integration' },
  };
}

/**
 * Stored settings completed with the defaults, the one way every reader fills them: a member an
 * older stored form lacks takes its default, and catalogue events and user properties added since
 * it was saved appear disabled under their Purchasely name (stored entries win; catalogue order,
 * then any other stored entry). A fresh object is returned each call.
 */
export function withIntegrationDefaults(stored: Partial<IntegrationSettings>): IntegrationSettings {
  const defaults = defaultIntegrationSettings();
  return {
    ...defaults,
    ...stored,
    sandboxAccount: { ...defaults.sandboxAccount, ...stored.sandboxAccount },
    events: withDefaultEntries(defaults.events, stored.events),
    userProperties: withDefaultEntries(defaults.userProperties, stored.userProperties),
    identity: { ...defaults.identity, ...stored.identity },
    revenue: { ...defaults.revenue, ...stored.revenue },
  };
}

/** The default entries with the stored ones in their place (copied: the result shares nothing with `stored`). */
function withDefaultEntries(defaults: Record<string, MappingEntry>, stored: Record<string, MappingEntry> | undefined): Record<string, MappingEntry> {
  // Spread and fromEntries define keys as data (an assignment to a key named __proto__ would not).
  return { ...defaults, ...Object.fromEntries(Object.entries(stored ?? {}).map(([key, entry]) => [key, { ...entry }])) };
}

/** `{name: {enabled: false, name}}` for each name, in the given order. */
export function defaultEntries(names: readonly string[]): Record<string, MappingEntry> {
  const entries: Record<string, MappingEntry> = {};
  for (const name of names) entries[name] = { enabled: false, name };
  return entries;
}
