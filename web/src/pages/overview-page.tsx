import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatCount, formatMs } from '../format.js';
import { useLoad } from '../hooks.js';
import { CHART_STATUSES, readStats } from '../stats.js';

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
};

const ACCOUNT_COLUMNS = [
  { id: 'pending', label: 'Pending' },
  { id: 'inFlight', label: 'In flight' },
  { id: 'concurrency', label: 'Concurrency' },
  { id: 'delivered', label: 'Delivered' },
  { id: 'failed', label: 'Failed' },
  { id: 'lastError', label: 'Last error' },
] as const;
const STATUS_LABELS: Record<string, string> = { other: 'not delivered yet (pending, held, skipped…)' };

/** Charts of the last window: events per minute by status, latency, queue depth, accounts. */
export function OverviewPage(props: { appId: string }) {
  const [window, setWindow] = useState<string>('1h');
  const stats = useLoad(() => api.getStats(props.appId, window), [props.appId, window]);
  const { reload } = stats;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const view = readStats(stats.data);
  // Only the columns the server reports for at least one account.
  const accountColumns = ACCOUNT_COLUMNS.filter((c) => view.accounts.some((a) => a[c.id] !== undefined));
  const shownStatuses = CHART_STATUSES.filter((s) => view.perMinute.some((p) => Number(p[s]) > 0));

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
      <div className="card chart-card">
        <h2>Events per minute, by status</h2>
        {view.perMinute.length === 0 ? (
          <p className="muted">No events in this window.</p>
        ) : (
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={view.perMinute}>
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
                  <td className="mono">{a.key}</td>
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
        )}
      </div>
    </div>
  );
}
