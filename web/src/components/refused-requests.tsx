import { useState } from 'react';
import { api, ApiError, type RejectionsOut } from '../api.js';
import { formatAgo, formatTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { explainRejection, noRefusals, rejectionLabel } from '../rejections.js';
import { ErrorBanner } from './error-banner.js';

const LIMITS = [10, 20, 50] as const;

/**
 * The app's recently refused webhook requests (`GET …/rejections`): the newest with its likely
 * cause in plain words, a count per reason over the last 24 h, and the list. A bridge without
 * that API (404) shows that nothing was recorded.
 */
export function RefusedRequests(props: { appId: string; toleranceSeconds?: number }) {
  const [limit, setLimit] = useState<number>(20);
  const loaded = useLoad(
    () =>
      api.listRejections(props.appId, limit).catch((err: unknown): RejectionsOut => {
        // The API is newer than some bridges: no endpoint means nothing recorded.
        if (err instanceof ApiError && err.status === 404 && err.code !== 'unknown_app') return { items: [], summary: noRefusals() };
        throw err;
      }),
    [props.appId, limit],
  );
  const data = loaded.data;
  const items = data?.items ?? [];
  const newest = items[0];
  const summary = Object.entries(data?.summary ?? {})
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const explain = (item: (typeof items)[number]) => explainRejection(item, props.toleranceSeconds !== undefined ? { toleranceSeconds: props.toleranceSeconds } : {});

  return (
    <section className="card form" aria-labelledby="refused-heading" data-testid="refused-requests">
      <div className="row">
        <h2 id="refused-heading">Recent refused requests</h2>
        <div className="spacer" />
        <label className="inline small" htmlFor="refused-limit">
          Show
          <select id="refused-limit" value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMITS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={loaded.reload} disabled={loaded.loading} data-testid="refused-refresh">
          Refresh
        </button>
      </div>
      <p className="muted">
        Webhook requests this app's URL refused (401, 413), kept without their body. A broken Purchasely setup shows here first: a wrong secret, a clock that drifted.
      </p>
      <ErrorBanner error={loaded.error} />
      {data === undefined ? (
        loaded.loading ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : newest === undefined ? (
        <p className="muted" data-testid="no-refused-requests">
          No refused requests recorded.
        </p>
      ) : (
        <>
          <div className="banner banner-warn" role="status" data-testid="refused-newest">
            <strong>
              Newest: {rejectionLabel(newest.reason)}, {formatAgo(newest.at)} from <code>{newest.source}</code>.
            </strong>{' '}
            <span data-testid="refused-cause">{explain(newest)}</span>
          </div>
          {summary.length > 0 ? (
            <p className="row small" data-testid="refused-summary">
              <span className="muted">Last 24 h:</span>
              {summary.map(([reason, count]) => (
                <span key={reason} className="badge badge-failed" data-testid={`refused-count-${reason}`}>
                  {rejectionLabel(reason)} × {count}
                </span>
              ))}
            </p>
          ) : null}
          <table className="table" data-testid="refused-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Reason</th>
                <th scope="col">Likely cause</th>
                <th scope="col">From</th>
                <th scope="col">Size</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item, i) => (
                <tr key={`${item.at}-${i}`} data-testid="refused-row">
                  <td className="nowrap" title={item.at}>
                    {formatTime(item.at)}
                  </td>
                  <td>
                    <code className="nowrap">{item.reason}</code>
                  </td>
                  <td>{explain(item)}</td>
                  <td className="mono small">{item.source}</td>
                  <td className="nowrap">{item.size.toLocaleString()} B</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
