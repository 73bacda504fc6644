import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatCount, formatMs } from '../format.js';
import { useLoad } from '../hooks.js';
import { CHART_STATUSES, COUNT_STATUSES, readEventCounts, readStats } from '../stats.js';
import { HOW_TO_SET_ID } from '../held.js';
import { Link } from '../router.js';

const WINDOWS = ['15m', '1h', '6h', '24h'] as const;
const REFRESH_MS = 10_000;
export const STATUS_COLORS: Record<string, string> = {
  delivered: '#2f9e6e',
  pending: '#3b7dd8',
  held: '#d99a1e',
  failed: '#d64545',
  skipped: '#9aa3ad',
  other: '#7c8ea3',
  quarantined: '#8b5cc7',
  received: '#5bb5c9',
};

const ACCOUNT_COLUMNS = [
  { id: 'pending', label: 'Pending' },
  { id: 'inFlight', label: 'In flight' },
  { id: 'concurrency', label: 'Concurrency' },
  { id: 'delivered', label: 'Delivered' },
  { id: 'failed', label: 'Failed' },
  { id: 'lastError', label: 'Last error' },
] as const;
const STATUS_LABELS: Record<string, string> = {
  other: 'other',
  pending: 'pending (being sent)',
  held: 'held (waiting for a CleverTap ID)',
  received: 'received (not processed yet)',
};

/** Charts of the last window: events per minute by status, latency, queue depth, accounts. */
export function OverviewPage(props: { appId: string }) {
  const [window, setWindow] = useState<string>('1h');
  const stats = useLoad(() => api.getStats(props.appId, window), [props.appId, window]);
  const { reload } = stats;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const counts = useLoad(() => api.getEventCounts(props.appId, window).catch(() => undefined), [props.appId, window]);
  const integration = useLoad(() => api.getIntegration(props.appId).catch(() => undefined), [props.appId]);
  const reloadCounts = counts.reload;
  useEffect(() => {
    const timer = setInterval(reloadCounts, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reloadCounts]);
  const view = readStats(stats.data);
  // Per status from …/event-counts; the stats' own per-minute series (received, delivered, failed) when that is missing.
  const byStatus = counts.data ? readEventCounts(counts.data) : null;
  const perMinute = byStatus ?? view.perMinute;
  const chartStatuses: readonly string[] = byStatus ? COUNT_STATUSES : CHART_STATUSES;
  const held = view.counters.find((c) => c.id === 'held')?.value ?? 0;
  const holdFor = integration.data?.identity?.holdFor;
  const eventsBase = `/apps/${encodeURIComponent(props.appId)}/events`;
  // Only the columns the server reports for at least one account.
  const accountColumns = ACCOUNT_COLUMNS.filter((c) => view.accounts.some((a) => a[c.id] !== undefined));
  const shownStatuses = chartStatuses.filter((s) => perMinute.some((p) => Number(p[s]) > 0));

  return (
    <div className="stack">
      <div className="page-title row">
        <h1>Overview</h1>
        <div className="spacer" />
        <label className="inline">
          Window{' '}
          <select value={window} onChange={(e) => setWindow(e.target.value)} data-testid="stats-window">
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={stats.error} />
      <div className="counters">
        {view.counters.map((c) => (
          <div key={c.id} className={`card counter counter-${c.id}`}>
            <div className="counter-value">{formatCount(c.value)}</div>
            <div className="counter-label">{c.label}</div>
          </div>
        ))}
        <div className="card counter counter-queue">
          <div className="counter-value">{formatCount(view.queueDepth)}</div>
          <div className="counter-label">Queue depth</div>
        </div>
      </div>
      {held > 0 ? (
        <div className="banner banner-warn" data-testid="held-explained">
          <strong>
            {formatCount(held)} held event{held === 1 ? '' : 's'}
          </strong>{' '}
          wait for their user's CleverTap ID{holdFor ? `; each is skipped ${holdFor} after it arrived unless an ID is set` : ''}. {HOW_TO_SET_ID}{' '}
          <Link to={`${eventsBase}?status=held`}>See the held events</Link>
        </div>
      ) : null}
      <div className="card chart-card">
        <h2>Events per minute, by status</h2>
        {perMinute.length === 0 ? (
          <p className="muted">No events in this window.</p>
        ) : (
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={perMinute}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" minTickGap={24} />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend />
              {(shownStatuses.length ? shownStatuses : ['delivered']).map((s) => (
                <Bar key={s} dataKey={s} name={STATUS_LABELS[s] ?? s} stackId="status" fill={STATUS_COLORS[s]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
      <div className="grid-2">
        <div className="card chart-card">
          <h2>Delivery latency</h2>
          {view.latency.length === 0 ? (
            <p className="muted">Nothing delivered in this window.</p>
          ) : (
            <>
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={view.latency} layout="vertical" margin={{ left: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" tickFormatter={(v: number) => formatMs(v)} />
                  <YAxis type="category" dataKey="name" width={40} />
                  <Tooltip formatter={(v) => formatMs(Number(v))} />
                  <Bar dataKey="ms" fill="#3b7dd8" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
              <p className="hint">From receipt of the webhook to CleverTap's answer.</p>
            </>
          )}
        </div>
        <div className="card chart-card">
          <h2>Queue depth</h2>
          {view.queueSeries.length > 1 ? (
            <ResponsiveContainer width="100%" height={200}>
              <LineChart data={view.queueSeries}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="label" minTickGap={24} />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Line type="monotone" dataKey="depth" stroke="#d99a1e" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          ) : view.queueParts.length > 0 ? (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={view.queueParts}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Bar dataKey="value" fill="#d99a1e" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          ) : (
            <div className="big-number">{formatCount(view.queueDepth)}</div>
          )}
          <p className="hint">Records waiting to be sent (pending, held and in flight).</p>
        </div>
      </div>
      <div className="card">
        <h2>CleverTap accounts</h2>
        {view.accounts.length === 0 ? (
          <p className="muted">No account has been used yet.</p>
        ) : (
          <div className="table-scroll" tabIndex={0} role="region" aria-label="CleverTap accounts">
            <table className="table" data-testid="accounts-table">
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Health</th>
                  {accountColumns.map((c) => (
                    <th key={c.id}>{c.label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {view.accounts.map((a) => (
                  <tr key={a.key}>
                    <td className="mono id-text">{a.key}</td>
                    <td>
                      <StatusBadge status={a.health} />
                    </td>
                    {accountColumns.map((c) => (
                      <td key={c.id} className={c.id === 'lastError' ? 'small muted' : undefined}>
                        {c.id === 'lastError' ? (a.lastError ?? '') : formatCount(a[c.id])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}
