import { useEffect, useState, type FormEvent } from 'react';
import { api, EVENT_STATUSES, type EventFilters, type EventItem } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format.js';
import { Link, navigate, useLocation } from '../router.js';

const FILTER_KEYS = ['status', 'eventName', 'userKey', 'environment', 'from', 'to'] as const;

function filtersFromSearch(search: string): EventFilters {
  const q = new URLSearchParams(search);
  const out: EventFilters = {};
  for (const key of FILTER_KEYS) {
    const v = q.get(key);
    if (v) out[key] = v;
  }
  return out;
}

/** `<input type="datetime-local">` value (local time) ↔ ISO 8601 for the API. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Statuses the bulk replay offers without `force` (the others would send records twice). */
const BULK_REPLAYABLE = new Set(['failed', 'skipped', 'quarantined']);

/**
 * What "Replay all" would requeue for these filters, or why it cannot: the bulk replay API
 * selects by status, event name and time; a user or environment filter narrows the view further
 * than it can.
 */
function bulkReplayScope(filters: EventFilters): { ok: true } | { ok: false; why: string } | null {
  if (!filters.status || !BULK_REPLAYABLE.has(filters.status)) return null;
  if (filters.userKey || filters.environment) return { ok: false, why: 'Clear the user and environment filters to replay every match.' };
  return { ok: true };
}

/** The delivery log: filters (kept in the URL, so a view can be shared), newest first, "Load more". */
export function EventsPage(props: { appId: string }) {
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const [form, setForm] = useState<EventFilters>(filters);
  const [items, setItems] = useState<EventItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [replayState, setReplayState] = useState<{ busy: boolean; done: string | null }>({ busy: false, done: null });
  const [reloads, setReloads] = useState(0);
  const base = `/apps/${encodeURIComponent(props.appId)}/events`;

  useEffect(() => {
    let live = true;
    setLoading(true);
    setForm(filtersFromSearch(search));
    api.listEvents(props.appId, filtersFromSearch(search)).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [props.appId, search, reloads]);

  useEffect(() => setReplayState({ busy: false, done: null }), [search]);

  const scope = bulkReplayScope(filters);
  const replayAll = async () => {
    if (!filters.status) return;
    const what = [`every ${filters.status} event`, filters.eventName ? `named ${filters.eventName}` : '', filters.from || filters.to ? 'in the chosen time range' : '']
      .filter(Boolean)
      .join(' ');
    if (!window.confirm(`Replay ${what}? Each gets new records from its user's current state.`)) return;
    setReplayState({ busy: true, done: null });
    try {
      const { requeued } = await api.replayEvents(props.appId, {
        status: filters.status,
        ...(filters.eventName ? { eventNames: [filters.eventName] } : {}),
        ...(filters.from ? { from: filters.from } : {}),
        ...(filters.to ? { to: filters.to } : {}),
      });
      setReplayState({ busy: false, done: `Requeued ${requeued} event${requeued === 1 ? '' : 's'}.` });
      setReloads((n) => n + 1);
    } catch (err) {
      setError(err);
      setReplayState({ busy: false, done: null });
    }
  };

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      const v = form[key];
      if (v) q.set(key, v);
    }
    const s = q.toString();
    navigate(s ? `${base}?${s}` : base);
  };

  const loadMore = async () => {
    if (!cursor) return;
    setLoading(true);
    try {
      const page = await api.listEvents(props.appId, filters, cursor);
      setItems((prev) => [...prev, ...page.items]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };

  const set = (key: keyof EventFilters, value: string | undefined) => setForm({ ...form, [key]: value || undefined });

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Events</h1>
        <p className="muted">Every Purchasely event received, newest first, with what happened to it.</p>
      </div>
      <form className="card filters" onSubmit={apply} data-testid="event-filters">
        <label>
          Status
          <select value={form.status ?? ''} onChange={(e) => set('status', e.target.value)} data-testid="filter-status">
            <option value="">any</option>
            {EVENT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event name
          <input value={form.eventName ?? ''} placeholder="SUBSCRIPTION_STARTED" onChange={(e) => set('eventName', e.target.value.trim())} />
        </label>
        <label>
          User
          <input value={form.userKey ?? ''} placeholder="user_id or anonymous_user_id" onChange={(e) => set('userKey', e.target.value.trim())} />
        </label>
        <label>
          Environment
          <select value={form.environment ?? ''} onChange={(e) => set('environment', e.target.value)}>
            <option value="">any</option>
            <option value="PRODUCTION">PRODUCTION</option>
            <option value="SANDBOX">SANDBOX</option>
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" value={toLocalInput(form.from)} onChange={(e) => set('from', fromLocalInput(e.target.value))} />
        </label>
        <label>
          To
          <input type="datetime-local" value={toLocalInput(form.to)} onChange={(e) => set('to', fromLocalInput(e.target.value))} />
        </label>
        <div className="filter-actions">
          <button type="submit">Apply</button>
          <button type="button" className="secondary" onClick={() => navigate(base)}>
            Clear
          </button>
        </div>
      </form>
      <ErrorBanner error={error} />
      {scope ? (
        <div className="card row" data-testid="bulk-replay">
          {scope.ok ? (
            <button type="button" onClick={replayAll} disabled={replayState.busy} data-testid="replay-all">
              {replayState.busy ? 'Replaying…' : `Replay all ${filters.status} events matching these filters`}
            </button>
          ) : (
            <span className="muted">{scope.why}</span>
          )}
          {replayState.done ? <span data-testid="replay-all-done">{replayState.done}</span> : null}
        </div>
      ) : null}
      <div className="card">
        <table className="table" data-testid="events-table">
          <thead>
            <tr>
              <th>Received</th>
              <th>Event</th>
              <th>User</th>
              <th>Env.</th>
              <th>Status</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.eventId} data-testid={`event-row-${item.eventId}`}>
                <td>{formatTime(item.receivedAt)}</td>
                <td>
                  <Link to={`${base}/${encodeURIComponent(item.eventId)}`}>{item.eventName ?? <em>unreadable payload</em>}</Link>
                  <div className="hint mono">{item.eventId}</div>
                </td>
                <td className="mono">{item.userId ?? item.anonymousUserId ?? '—'}</td>
                <td>{item.environment ?? '—'}</td>
                <td>
                  <StatusBadge status={item.status} />
                  {item.late ? <span className="badge badge-late">late</span> : null}
                  {item.duplicates > 0 ? <span className="hint"> ×{item.duplicates + 1}</span> : null}
                </td>
                <td className="muted">{item.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && items.length === 0 ? <p className="muted">No events match.</p> : null}
        <div className="row">
          {cursor ? (
            <button type="button" className="secondary" onClick={loadMore} disabled={loading} data-testid="load-more">
              {loading ? 'Loading…' : 'Load more'}
            </button>
          ) : null}
          {loading && !cursor ? <span className="muted">Loading…</span> : null}
        </div>
      </div>
    </div>
  );
}
