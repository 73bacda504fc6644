import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorMessage, type ProfileViewOut, type ResendProfileOut } from '../api.js';
import { formatTime } from '../format.js';
import { formatProfileValue, otherClevertapProperties, profileRows } from '../profile-rows.js';
import { ErrorBanner } from './error-banner.js';
import { StatusBadge } from './status-badge.js';

/** How often, and how many times, the view is read again while a resent profile is on its way. */
const FOLLOW_EVERY_MS = 1_000;
const FOLLOW_TIMES = 30;

type Loaded = { view: ProfileViewOut } | { missing: string } | { error: unknown };

function identifierText(identifier: ProfileViewOut['identifier']): string | null {
  if (!identifier) return null;
  return Object.entries(identifier)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}

function Value(props: { value: unknown; testId?: string }) {
  const text = formatProfileValue(props.value);
  const raw = typeof props.value === 'string' && props.value.startsWith('$D_') ? props.value : undefined;
  return (
    <span className={props.value === undefined || props.value === null ? 'muted' : 'mono'} title={raw} data-testid={props.testId}>
      {text}
    </span>
  );
}

/**
 * The user's profile as pcbridge holds it (snapshot) beside CleverTap's (Get User Profile API)
 * and the one pcbridge last delivered, the rows that differ highlighted; *Re-send profile*
 * queues the whole snapshot and follows it until it is delivered.
 */
export function ProfileComparison(props: { appId: string; userKey: string; version: number; onResent?: (result: ResendProfileOut) => void }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(false);
  const [resend, setResend] = useState<{ busy: boolean; notice?: string; error?: unknown }>({ busy: false });
  const latest = useRef(0);
  const follow = useRef<number | undefined>(undefined);

  const read = async (): Promise<ProfileViewOut | null> => {
    const run = ++latest.current;
    setLoading(true);
    try {
      const view = await api.getClevertapProfile(props.appId, props.userKey);
      if (run === latest.current) setLoaded({ view });
      return view;
    } catch (err) {
      if (run !== latest.current) return null;
      if (err instanceof ApiError && err.status === 404 && err.code !== 'unknown_app') setLoaded({ missing: err.message });
      else setLoaded({ error: err });
      return null;
    } finally {
      if (run === latest.current) setLoading(false);
    }
  };

  const stopFollowing = () => {
    if (follow.current !== undefined) window.clearTimeout(follow.current);
    follow.current = undefined;
  };

  useEffect(() => {
    stopFollowing();
    setLoaded(null);
    setResend({ busy: false });
    void read();
    return stopFollowing;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- read() is a new function each render; only a new user or version reads again
  }, [props.appId, props.userKey, props.version]);

  /** Reads the view again until the record has left the pending list (or stays held: it waits for an ID). */
  const followRecord = (recordId: number, left: number) => {
    follow.current = window.setTimeout(async () => {
      const view = await read();
      const pending = view?.pendingRecords.find((r) => r.id === recordId);
      if (pending && pending.state !== 'held' && left > 1) followRecord(recordId, left - 1);
      else if (!pending) setResend((r) => ({ ...r, notice: 'The profile was delivered: CleverTap’s answer below is read again.' }));
    }, FOLLOW_EVERY_MS);
  };

  const resendProfile = async () => {
    stopFollowing();
    setResend({ busy: true });
    try {
      const result = await api.resendProfile(props.appId, props.userKey);
      setResend({
        busy: false,
        notice:
          result.state === 'held'
            ? `Profile record #${result.recordId} queued; it is held until the user has a CleverTap ID.`
            : `Profile record #${result.recordId} queued with the whole snapshot; refreshing until it is delivered…`,
      });
      props.onResent?.(result);
      await read();
      if (result.state !== 'held') followRecord(result.recordId, FOLLOW_TIMES);
    } catch (err) {
      setResend({ busy: false, error: err });
    }
  };

  if (loaded === null) {
    return (
      <div className="card" data-testid="profile-comparison">
        <h2>CleverTap profile</h2>
        <p className="muted">Asking CleverTap…</p>
      </div>
    );
  }
  if ('missing' in loaded) {
    return (
      <div className="card" data-testid="profile-comparison">
        <h2>CleverTap profile</h2>
        <p className="muted" data-testid="profile-missing">
          pcbridge holds no subscription state for this user yet, so there is no profile to compare: it appears after the user's first event.
        </p>
      </div>
    );
  }
  if ('error' in loaded) {
    return (
      <div className="card" data-testid="profile-comparison">
        <h2>CleverTap profile</h2>
        <ErrorBanner error={loaded.error} />
        <button type="button" className="secondary" onClick={() => void read()}>
          Try again
        </button>
      </div>
    );
  }

  const { view } = loaded;
  const rows = profileRows(view);
  const others = otherClevertapProperties(view);
  const identifier = identifierText(view.identifier);
  const answered = view.lookup.status === 'found' || view.lookup.status === 'not_found';
  const ctHeading = view.lookup.status === 'not_found' ? 'CleverTap (no profile)' : 'CleverTap';

  return (
    <div className="card form" data-testid="profile-comparison">
      <div className="row">
        <h2>CleverTap profile</h2>
        {answered ? (
          view.equal ? (
            <span className="badge badge-ok" data-testid="profile-equal">
              equal
            </span>
          ) : (
            <span className="badge badge-failed" data-testid="profile-differs">
              {view.differences.length} {view.differences.length === 1 ? 'difference' : 'differences'}
            </span>
          )
        ) : null}
        {loading ? <span className="muted small">refreshing…</span> : null}
        <div className="spacer" />
        <button type="button" className="secondary" onClick={() => void read()} disabled={loading}>
          Refresh
        </button>
        <button type="button" onClick={() => void resendProfile()} disabled={resend.busy} data-testid="resend-profile">
          {resend.busy ? 'Queuing…' : 'Re-send profile'}
        </button>
      </div>
      <dl className="facts">
        <dt>Sent as</dt>
        <dd>{identifier ? <code data-testid="profile-identifier">{identifier}</code> : <span className="muted">no identifier yet: the user's records are held</span>}</dd>
        <dt>Account</dt>
        <dd>{view.account ?? <span className="muted">none (SANDBOX events are skipped)</span>}</dd>
        <dt>Environment</dt>
        <dd>{view.environment ?? '—'}</dd>
        <dt>CleverTap</dt>
        <dd data-testid="profile-lookup">
          <StatusBadge status={view.lookup.status} /> {view.lookup.message}
        </dd>
        <dt>Last delivered</dt>
        <dd>{view.lastDeliveredAt ? formatTime(view.lastDeliveredAt) : <span className="muted">never</span>}</dd>
      </dl>
      {view.stale ? (
        <div className="banner banner-warn">
          The user's last profile record failed or was skipped: CleverTap may not hold the snapshot. The next event (or a re-send) sends the whole profile.
        </div>
      ) : null}
      {resend.notice ? (
        <div className="banner banner-ok" role="status" data-testid="resend-notice">
          {resend.notice}
        </div>
      ) : null}
      {resend.error ? (
        <div className="banner banner-error" role="alert" data-testid="resend-error">
          {errorMessage(resend.error)}
        </div>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">No user property is enabled, or the user has none yet (Integrations → CleverTap → User properties).</p>
      ) : (
        <table className="table profile-table" data-testid="profile-table">
          <caption className="sr-only">pcbridge's snapshot, CleverTap's profile and the profile last delivered, property by property</caption>
          <thead>
            <tr>
              <th scope="col">Property</th>
              <th scope="col">pcbridge snapshot</th>
              <th scope="col">{ctHeading}</th>
              <th scope="col">Last delivered</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.property} className={row.differs ? 'diff' : undefined} data-testid={`profile-row-${row.property}`} data-differs={row.differs ? 'true' : 'false'}>
                <th scope="row">
                  <code>{row.property}</code>
                  {row.differs ? (
                    <span className="badge badge-failed diff-mark" data-testid="differs">
                      differs
                    </span>
                  ) : null}
                </th>
                <td>
                  <Value value={row.snapshot} testId="snapshot-value" />
                </td>
                <td className={row.differs ? 'diff-cell' : undefined}>
                  {answered ? <Value value={row.clevertap} testId="clevertap-value" /> : <span className="muted">not asked</span>}
                </td>
                <td className={row.undelivered ? 'pending-cell' : undefined} title={row.undelivered ? 'Not the snapshot yet: a change still on its way, or never sent' : undefined}>
                  {view.lastDelivered === null ? <span className="muted">—</span> : <Value value={row.lastDelivered} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {view.pendingRecords.length > 0 ? (
        <div data-testid="profile-pending">
          <h3>Profile records on their way</h3>
          <ul className="plain-list">
            {view.pendingRecords.map((r) => (
              <li key={r.id}>
                #{r.id} <StatusBadge status={r.state} /> {r.eventId === 'pcbridge:resend-profile' ? 're-sent profile' : <code>{r.eventId}</code>} · {r.attempts}{' '}
                {r.attempts === 1 ? 'attempt' : 'attempts'}
                {r.lastMessage ? <span className="muted"> · {r.lastMessage}</span> : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {others.length > 0 ? (
        <details>
          <summary>
            {others.length} other {others.length === 1 ? 'property' : 'properties'} CleverTap holds (not managed by pcbridge)
          </summary>
          <dl className="facts">
            {others.map(([key, value]) => (
              <div key={key} className="contents">
                <dt>
                  <code>{key}</code>
                </dt>
                <dd>
                  <Value value={value} />
                </dd>
              </div>
            ))}
          </dl>
        </details>
      ) : null}
      <p className="hint">Dates are compared as epoch seconds; properties pcbridge does not manage are ignored. A highlighted “last delivered” cell is not the snapshot yet.</p>
    </div>
  );
}
