import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../purchasely/catalog.js';
import type { IntegrationSettings, MappingEntry } from './schema.js';

type Section = 'events' | 'userProperties';

/**
 * The dashboard's one-click "enable all": every catalogue event (or user property), and any
 * extra entry already configured, switched on with its current name (the Purchasely name when
 * never renamed). Returns a new settings object; save it through `applyPut` to validate it
 * (renames may collide once everything is on).
 */
export function enableAll(settings: IntegrationSettings, what: Section): IntegrationSettings {
  return setAll(settings, what, true);
}

/** The dashboard's "enable none": every entry of the section switched off, names kept. */
export function disableAll(settings: IntegrationSettings, what: Section): IntegrationSettings {
  return setAll(settings, what, false);
}

function setAll(settings: IntegrationSettings, what: Section, enabled: boolean): IntegrationSettings {
  const catalogNames = what === 'events' ? EVENT_CATALOG.map((e) => e.name) : USER_PROPERTY_CATALOG.map((p) => p.name);
  const entries: Record<string, MappingEntry> = {};
  for (const name of catalogNames) entries[name] = { enabled, name: settings[what][name]?.name ?? name };
  for (const [key, entry] of Object.entries(settings[what])) entries[key] = { enabled, name: entry.name };
  return { ...settings, [what]: entries };
}
