import { useState } from 'react';
import { api, ApiError, errorMessage, type EventDetailOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatMs, formatTime, prettyJson } from '../format.js';
import { useLoad } from '../hooks.js';
import { eventReason, HOW_TO_SET_ID } from '../held.js';
import { Link } from '../router.js';

function rawPayload(event: EventDetailOut): unknown {
  return event.payload ?? event.rawBody ?? null;
}

/** One event: what arrived (payload) → what it became (records) → how sending went (attempts). */
export function EventDetailPage(props: { appId: string; eventId: string }) {
  const event = useLoad(() => api.getEvent(props.appId, props.eventId), [props.appId, props.eventId]);
  const [retry, setRetry] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });

  const replay = async () => {
    setRetry({ busy: true });
    try {
      try {
        await api.replayEvent(props.appId, props.eventId, false);
      } catch (err) {
        // 409: already delivered, or still waiting to be sent: replaying would send it twice.
        if (!(err instanceof ApiError && err.status === 409)) throw err;
        if (!window.confirm(`${err.message}\n\nSend it to CleverTap again anyway? CleverTap may count it twice.`)) {
          setRetry({ busy: false });
          return;
        }
        await api.replayEvent(props.appId, props.eventId, true);
      }
      setRetry({ busy: false, message: 'Queued again: it will be processed and sent within seconds.' });
      event.reload();
    } catch (err) {
      setRetry({ busy: false, error: errorMessage(err) });
    }
  };

  const data = event.data;
  return (
    <div className="stack">
      <div className="crumbs">
        <Link to={`/apps/${encodeURIComponent(props.appId)}/events`}>Events</Link> / <code className="id-text">{props.eventId}</code>
      </div>
      <ErrorBanner error={event.error} />
      {data ? (
        <>
          <div className="card">
            <div className="row">
              <h1>{data.eventName ?? 'Unreadable payload'}</h1>
              <StatusBadge status={data.status} testId="event-status" />
              {data.late ? <span className="badge badge-late">late</span> : null}
              <div className="spacer" />
              <button type="button" onClick={replay} disabled={retry.busy || data.status === 'received'} data-testid="retry">
                {retry.busy ? 'Retrying…' : 'Retry'}
              </button>
            </div>
            {retry.message ? <div className="ok-text">{retry.message}</div> : null}
            {retry.error ? <div className="error-text">{retry.error}</div> : null}
            <dl className="facts">
              <dt>Event ID</dt>
              <dd className="mono id-text">{data.eventId}</dd>
              <dt>User</dt>
              <dd className="mono id-text">
                {data.userId ?? '—'} {data.anonymousUserId ? <span className="muted">(anonymous {data.anonymousUserId})</span> : null}
              </dd>
              <dt>Environment</dt>
              <dd>{data.environment ?? '—'}</dd>
              <dt>Created at Purchasely</dt>
              <dd>{formatTime(data.eventCreatedAt)}</dd>
              <dt>Received</dt>
              <dd>{formatTime(data.receivedAt)}</dd>
              <dt>Reason</dt>
              <dd data-testid="event-reason">
                {eventReason(data) || '—'}
                {data.status === 'held' ? (
                  <div className="hint">
                    {HOW_TO_SET_ID}{' '}
                    <Link to={`/apps/${encodeURIComponent(props.appId)}/identity?user=${encodeURIComponent(data.anonymousUserId ?? data.userId ?? '')}`}>Open Identity</Link>
                  </div>
                ) : null}
              </dd>
              <dt>Sending</dt>
              <dd data-testid="event-counts">{countsText(data.requests ?? (data.attempts ?? []).length, data.retriesUsed ?? 0)}</dd>
              {data.lastError ? (
                <>
                  <dt>Last error</dt>
                  <dd className="error-text">{data.lastError}</dd>
                </>
              ) : null}
              <dt>Delivered</dt>
              <dd>{formatTime(data.deliveredAt ?? null)}</dd>
              {data.note ? (
                <>
                  <dt>Note</dt>
                  <dd data-testid="event-note">{data.note}</dd>
                </>
              ) : null}
              <dt>Duplicates</dt>
              <dd>{data.duplicates ?? 0}</dd>
            </dl>
          </div>
          <div className="card">
            <h2>1. Payload</h2>
            <pre className="code" data-testid="event-payload">
              {prettyJson(rawPayload(data))}
            </pre>
          </div>
          <div className="card">
            <h2>2. CleverTap records</h2>
            {(data.records ?? []).length === 0 ? <p className="muted">No records (yet): see the status and reason above.</p> : null}
            {(data.records ?? []).map((record) => (
              <details key={String(record.id)} className="record">
                <summary>
                  <StatusBadge status={record.state} /> <strong>{record.kind}</strong> → {record.target}
                  <span className="muted">
                    {' '}
                    · #{String(record.id)} · generation {record.generation ?? 0} · <span data-testid="record-counts">{countsText(record.requests ?? 0, record.attempts ?? 0)}</span>
                    {record.lastCode ? ` · last code ${record.lastCode}` : ''}
                    {record.state === 'held' && record.holdUntil ? ` · skipped at ${formatTime(record.holdUntil)} unless the user gets a CleverTap ID` : ''}
                  </span>
                  {record.reason ? <span className="muted"> · {record.reason}</span> : null}
                </summary>
                {record.lastMessage ? <p className="error-text">{record.lastMessage}</p> : null}
                <div className="grid-2">
                  <div>
                    <h4>Body</h4>
                    <pre className="code">{prettyJson(record.body ?? null)}</pre>
                  </div>
                  <div>
                    <h4>Identifier</h4>
                    <pre className="code">{record.identifier ? prettyJson(record.identifier) : 'resolved when sent'}</pre>
                    <p className="hint">
                      Created {formatTime(record.createdAt)} · delivered {formatTime(record.deliveredAt ?? null)}
                    </p>
                  </div>
                </div>
              </details>
            ))}
          </div>
          <div className="card">
            <h2>3. Attempts</h2>
            {(data.attempts ?? []).length === 0 ? (
              <p className="muted">No attempts yet.</p>
            ) : (
              <div className="table-scroll" tabIndex={0} role="region" aria-label="Attempts">
                <table className="table">
                  <thead>
                    <tr>
                      <th>Started</th>
                      <th>HTTP</th>
                      <th>Outcome</th>
                      <th>Latency</th>
                      <th>Records</th>
                      <th>CleverTap's answer</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(data.attempts ?? []).map((a) => (
                      <tr key={String(a.id)}>
                        <td>{formatTime(a.startedAt)}</td>
                        <td>{a.httpStatus ?? '—'}</td>
                        <td>
                          <StatusBadge status={a.outcome} />
                        </td>
                        <td>{formatMs(a.latencyMs)}</td>
                        <td>{a.recordCount ?? '—'}</td>
                        <td className="mono small">{a.response ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <p className="hint">
              A request that CleverTap refused for the credentials (401/403) or throttled (429) uses no attempt of the retry schedule: "attempts used" counts only the schedule,
              "requests" every upload.
            </p>
          </div>
        </>
      ) : event.loading ? (
        <p className="muted">Loading…</p>
      ) : null}
    </div>
  );
}

/** "attempts used 0 · requests 1": reads true for a 401, a request that uses no attempt of the retry schedule. */
function countsText(requests: number, attemptsUsed: number): string {
  return `attempts used ${attemptsUsed} · requests ${requests}`;
}
