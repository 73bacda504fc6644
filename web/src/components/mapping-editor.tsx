import { useMemo, useState } from 'react';
import { effectiveName, type MappingEntryDraft, type MappingKind } from '../naming.js';
import { Toggle } from './toggle.js';

export interface MappingItem {
  key: string;
  group: string;
  description: string;
  /** A short mark beside the key, e.g. "pcbridge extra" for a property Purchasely's own integration lacks. */
  badge?: string;
}

const GROUP_LABELS: Record<string, string> = {
  entitlement: 'Entitlement',
  lifecycle: 'Subscription lifecycle',
  offer: 'Offers',
  transactional: 'Transactions',
  other: 'Other events',
  string: 'Text properties',
  boolean: 'Yes/no properties',
  date: 'Date properties',
  number: 'Number properties',
};

/**
 * The Server events / User properties tab: every catalogue entry grouped, each with a toggle
 * and a rename field. Problems found while typing (`problems`) and the server's 422 details
 * (`serverProblems`) are shown under the field they concern.
 */
export function MappingEditor(props: {
  kind: MappingKind;
  items: readonly MappingItem[];
  entries: Record<string, MappingEntryDraft>;
  problems: Record<string, string>;
  serverProblems: Record<string, string>;
  onChange: (entries: Record<string, MappingEntryDraft>) => void;
}) {
  const [filter, setFilter] = useState('');
  const noun = props.kind === 'events' ? 'event' : 'property';
  const groups = useMemo(() => {
    const byGroup = new Map<string, MappingItem[]>();
    const needle = filter.trim().toLowerCase();
    for (const item of props.items) {
      const entry = props.entries[item.key];
      const haystack = `${item.key} ${entry?.name ?? ''} ${item.description}`.toLowerCase();
      if (needle && !haystack.includes(needle)) continue;
      const list = byGroup.get(item.group) ?? [];
      list.push(item);
      byGroup.set(item.group, list);
    }
    return [...byGroup.entries()];
  }, [props.items, props.entries, filter]);

  const enabledCount = Object.values(props.entries).filter((e) => e.enabled).length;
  const setEntry = (key: string, patch: Partial<MappingEntryDraft>) => {
    const current = props.entries[key] ?? { enabled: false, name: key };
    props.onChange({ ...props.entries, [key]: { ...current, ...patch } });
  };
  const setAll = (enabled: boolean) => {
    const next: Record<string, MappingEntryDraft> = {};
    for (const [key, entry] of Object.entries(props.entries)) next[key] = { ...entry, enabled };
    props.onChange(next);
  };

  return (
    <div className="mapping">
      <div className="mapping-toolbar">
        <span className="muted">
          {enabledCount} of {Object.keys(props.entries).length} {noun === 'event' ? 'events' : 'properties'} enabled
        </span>
        <input type="search" placeholder={`Filter ${noun === 'event' ? 'events' : 'properties'}…`} value={filter} onChange={(e) => setFilter(e.target.value)} />
        <button type="button" className="secondary" onClick={() => setAll(true)} data-testid={`${props.kind}-enable-all`}>
          Enable all
        </button>
        <button type="button" className="secondary" onClick={() => setAll(false)} data-testid={`${props.kind}-enable-none`}>
          Enable none
        </button>
      </div>
      {groups.map(([group, items]) => (
        <section key={group} className="mapping-group">
          <h3>{GROUP_LABELS[group] ?? group}</h3>
          <table className="mapping-table">
            <thead>
              <tr>
                <th className="col-toggle">Send</th>
                <th>Purchasely {noun}</th>
                <th>CleverTap name</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => {
                const entry = props.entries[item.key] ?? { enabled: false, name: item.key };
                const problem = props.serverProblems[item.key] ?? props.problems[item.key];
                return (
                  <tr key={item.key} className={entry.enabled ? 'enabled' : 'disabled'} data-testid={`row-${item.key}`}>
                    <td className="col-toggle">
                      <Toggle checked={entry.enabled} onChange={(enabled) => setEntry(item.key, { enabled })} label={`Send ${item.key}`} hideLabel testId={`toggle-${item.key}`} />
                    </td>
                    <td>
                      <code>{item.key}</code>
                      {item.badge ? (
                        <span className="badge badge-extra" data-testid={`badge-${item.key}`}>
                          {item.badge}
                        </span>
                      ) : null}
                      <div className="hint">{item.description}</div>
                    </td>
                    <td className={problem ? 'has-error' : undefined}>
                      <input
                        type="text"
                        value={entry.name}
                        placeholder={item.key}
                        aria-label={`CleverTap name for ${item.key}`}
                        aria-invalid={problem ? true : undefined}
                        data-testid={`rename-${item.key}`}
                        onChange={(e) => setEntry(item.key, { name: e.target.value })}
                      />
                      {problem ? (
                        <div className="field-error" role="alert" data-testid={`error-${item.key}`}>
                          {problem}
                        </div>
                      ) : entry.enabled && effectiveName(item.key, entry) !== item.key ? (
                        <div className="hint">Sent as “{effectiveName(item.key, entry)}”</div>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      ))}
      {groups.length === 0 ? <p className="muted">Nothing matches “{filter}”.</p> : null}
    </div>
  );
}
