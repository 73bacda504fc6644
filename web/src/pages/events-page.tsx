import { useEffect, useState, type FormEvent } from 'react';
import { api, EVENT_STATUSES, isEventStatus, type EventFilters, type EventItemOut, type EventStatus, type ReplayFilterIn } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format.js';
import { eventReason, HOW_TO_SET_ID } from '../held.js';
import { Link, navigate, useLocation } from '../router.js';

const FILTER_KEYS = ['eventId', 'status', 'eventName', 'userKey', 'environment', 'from', 'to'] as const;

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

/** Statuses the bulk replay takes without `force` (the others would send records twice). */
const SAFE_TO_REPLAY: EventStatus[] = ['failed', 'skipped', 'quarantined'];
/** Statuses whose records reached CleverTap or are on their way: replaying sends them again. */
const FORCE_TO_REPLAY = new Set(['delivered', 'pending', 'held']);

/**
 * What "Replay…" sends for these filters: every filter of the view (status, name, user,
 * environment, event id, time), the statuses safe to replay when no status is chosen, and
 * `force` when the chosen status needs it. Null when nothing can be replayed (`received`).
 */
export function bulkReplayFilter(filters: EventFilters): { body: ReplayFilterIn; what: string; resends: boolean } | null {
  if (filters.status === 'received') return null;
  // The status filter comes from the list of statuses; anything else matches no event.
  const chosen = filters.status ? filters.status : undefined;
  if (chosen !== undefined && !isEventStatus(chosen)) return null;
  const statuses = chosen !== undefined ? [chosen] : SAFE_TO_REPLAY;
  const resends = filters.status !== undefined && FORCE_TO_REPLAY.has(filters.status);
  const body: ReplayFilterIn = {
    status: statuses,
    ...(filters.eventName ? { eventNames: [filters.eventName] } : {}),
    ...(filters.eventId ? { eventIds: [filters.eventId] } : {}),
    ...(filters.userKey ? { userKey: filters.userKey } : {}),
    ...(filters.environment ? { environment: filters.environment } : {}),
    ...(filters.from ? { from: filters.from } : {}),
    ...(filters.to ? { to: filters.to } : {}),
    ...(resends ? { force: true } : {}),
  };
  return { body, what: filters.status ? filters.status : 'failed, skipped or quarantined', resends };
}

/** The delivery log: filters (kept in the URL, so a view can be shared), newest first, "Load more". */
export function EventsPage(props: { appId: string }) {
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const [form, setForm] = useState<EventFilters>(filters);
  const [items, setItems] = useState<EventItemOut[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [replayState, setReplayState] = useState<{ busy: boolean; done: string | null; confirm: number | null }>({ busy: false, done: null, confirm: null });
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

  useEffect(() => setReplayState({ busy: false, done: null, confirm: null }), [search]);

  const scope = bulkReplayFilter(filters);
  /** First step: count the matches (nothing changes), then ask. */
  const askReplay = async () => {
    if (!scope) return;
    setReplayState({ busy: true, done: null, confirm: null });
    try {
      const { count } = await api.countReplay(props.appId, scope.body);
      setReplayState({ busy: false, done: count === 0 ? 'No event matching these filters can be replayed.' : null, confirm: count === 0 ? null : count });
    } catch (err) {
      setError(err);
      setReplayState({ busy: false, done: null, confirm: null });
    }
  };
  const replayAll = async () => {
    if (!scope) return;
    setReplayState({ busy: true, done: null, confirm: null });
    try {
      const { requeued } = await api.replayEvents(props.appId, scope.body);
      setReplayState({ busy: false, done: `Requeued ${requeued} event${requeued === 1 ? '' : 's'}.`, confirm: null });
      setReloads((n) => n + 1);
    } catch (err) {
      setError(err);
      setReplayState({ busy: false, done: null, confirm: null });
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
      <form className="card filters" onSubmit={apply} data-testid="event-filters" aria-label="Filter events">
        <label className="filter-wide">
          Event ID
          <input
            type="search"
            value={form.eventId ?? ''}
            placeholder="Purchasely's event_id"
            onChange={(e) => set('eventId', e.target.value.trim())}
            data-testid="filter-event-id"
          />
        </label>
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
      {scope && (items.length > 0 || replayState.done) ? (
        <div className="card stack-tight" data-testid="bulk-replay" aria-live="polite">
          {replayState.confirm === null ? (
            <div className="row">
              <button type="button" className="secondary" onClick={askReplay} disabled={replayState.busy} data-testid="replay-all">
                {replayState.busy ? 'Counting…' : `Replay ${scope.what} events matching these filters…`}
              </button>
              {replayState.done ? <span data-testid="replay-all-done">{replayState.done}</span> : null}
            </div>
          ) : (
            <div className="confirm" role="alertdialog" aria-labelledby="replay-confirm-text" data-testid="replay-confirm">
              <p id="replay-confirm-text">
                Replay <strong data-testid="replay-count">{replayState.confirm}</strong> {scope.what} event{replayState.confirm === 1 ? '' : 's'} matching these filters (not just
                the loaded page)? Each gets new records from its user's current state.
                {scope.resends ? ' Their records already reached CleverTap or are on their way: CleverTap receives them again and may count them twice.' : ''}
              </p>
              <div className="row">
                <button type="button" className={scope.resends ? 'danger' : undefined} onClick={replayAll} data-testid="replay-confirm-yes">
                  Replay {replayState.confirm} event{replayState.confirm === 1 ? '' : 's'}
                </button>
                <button type="button" className="secondary" onClick={() => setReplayState({ busy: false, done: null, confirm: null })}>
                  Cancel
                </button>
              </div>
            </div>
          )}
        </div>
      ) : null}
      {filters.status === 'held' ? (
        <div className="banner banner-warn" data-testid="held-help">
          Held events wait for their user's CleverTap ID. {HOW_TO_SET_ID}
        </div>
      ) : null}
      <div className="card">
        <table className="table table-cards" data-testid="events-table">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Event</th>
              <th scope="col">User</th>
              <th scope="col">Env.</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Delivered</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.eventId} data-testid={`event-row-${item.eventId}`}>
                <td data-label="Received">{formatTime(item.receivedAt)}</td>
                <td data-label="Event" className="cell-id">
                  <Link to={`${base}/${encodeURIComponent(item.eventId)}`}>{item.eventName ?? <em>unreadable payload</em>}</Link>
                  <div className="hint mono id-text">{item.eventId}</div>
                </td>
                <td data-label="User" className="mono cell-id">
                  <span className="id-text">{item.userId ?? item.anonymousUserId ?? '—'}</span>
                </td>
                <td data-label="Env.">{item.environment ?? '—'}</td>
                <td data-label="Status">
                  <StatusBadge status={item.status} />
                  {item.late ? <span className="badge badge-late">late</span> : null}
                  {item.duplicates > 0 ? <span className="hint"> ×{item.duplicates + 1}</span> : null}
                </td>
                <td data-label="Attempts" data-testid="event-attempts" className="nowrap">
                  {attemptsText(item)}
                </td>
                <td data-label="Last error" className="small error-cell">
                  {item.lastError ?? ''}
                </td>
                <td data-label="Delivered">{item.deliveredAt ? formatTime(item.deliveredAt) : '—'}</td>
                <td data-label="Reason" className="muted small" data-testid="event-reason">
                  {eventReason(item)}
                </td>
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

/** "2 requests · 1 attempt used": a 401 or a 429 is a request that uses no attempt of the retry schedule. */
function attemptsText(item: EventItemOut): string {
  const requests = item.requests ?? 0;
  if (requests === 0) return '—';
  const retries = item.retriesUsed ?? 0;
  return `${requests} request${requests === 1 ? '' : 's'} · ${retries} ${retries === 1 ? 'attempt' : 'attempts'} used`;
}
