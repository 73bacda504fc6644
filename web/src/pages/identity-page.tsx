import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage, type HeldRecordOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { ProfileComparison } from '../components/profile-comparison.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

interface Lookup {
  userKey: string;
  clevertapId: string | null;
  held: HeldRecordOut[];
}

/**
 * Look a user up: its CleverTap ID (set, change or remove it), its CleverTap profile beside
 * pcbridge's (with *Re-send profile*), and its records waiting for an ID.
 */
export function IdentityPage(props: { appId: string }) {
  // `?user=` (from a held event's detail) opens that user at once.
  const [initialUser] = useState(() => new URLSearchParams(window.location.search).get('user')?.trim() ?? '');
  const [userKey, setUserKey] = useState(initialUser);
  const [lookup, setLookup] = useState<Lookup | null>(null);
  const [newId, setNewId] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped on every look-up and ID change, so the profile comparison is read again.
  const [version, setVersion] = useState(0);

  const load = async (key: string) => {
    const [attributes, held] = await Promise.all([
      api.getAttributes(props.appId, key).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404 && err.code !== 'unknown_app') return null;
        throw err;
      }),
      api.listHeldRecords(props.appId, key),
    ]);
    setLookup({ userKey: key, clevertapId: attributes?.clevertap_id ?? null, held: held.items });
    setNewId(attributes?.clevertap_id ?? '');
    setVersion((v) => v + 1);
  };

  useEffect(() => {
    if (initialUser !== '') load(initialUser).catch((err: unknown) => setError(err));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- load() is a new function each render; only a new user in the address loads
  }, [initialUser]);

  /** After a re-send: the new record may be held, so the held list is read again (the comparison follows it by itself). */
  const reloadHeld = async (key: string) => {
    try {
      const held = await api.listHeldRecords(props.appId, key);
      setLookup((current) => (current && current.userKey === key ? { ...current, held: held.items } : current));
    } catch (err) {
      setError(err);
    }
  };

  const find = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice(null);
    try {
      await load(userKey.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!lookup) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.putAttributes(props.appId, lookup.userKey, newId.trim());
      setNotice('CleverTap ID saved; the user’s held records are released and sent in order.');
      await load(lookup.userKey);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!lookup || !window.confirm(`Remove the CleverTap ID of ${lookup.userKey}?`)) return;
    setBusy(true);
    try {
      await api.deleteAttributes(props.appId, lookup.userKey);
      setNotice('CleverTap ID removed.');
      await load(lookup.userKey);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const idProblem = newId !== '' && !/^[\x21-\x7e]{1,64}$/.test(newId.trim()) ? '1–64 printable characters, no spaces.' : null;

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Identity</h1>
        <p className="muted">
          Records of anonymous users wait (are <em>held</em>) until the app sets their CleverTap ID, or until the hold time passes. The user's profile in CleverTap is compared with
          pcbridge's.
        </p>
      </div>
      <form className="card row" onSubmit={find}>
        <Field label="User" htmlFor="user-key" hint="A user_id or anonymous_user_id">
          <input id="user-key" value={userKey} onChange={(e) => setUserKey(e.target.value)} required />
        </Field>
        <button type="submit" disabled={busy || userKey.trim() === ''}>
          Look up
        </button>
      </form>
      <ErrorBanner error={error} />
      {notice ? <div className="banner banner-ok">{notice}</div> : null}
      {lookup ? (
        <>
          <form className="card form" onSubmit={save} data-testid="identity-card">
            <h2 className="mono">{lookup.userKey}</h2>
            <p>CleverTap ID: {lookup.clevertapId ? <code data-testid="current-clevertap-id">{lookup.clevertapId}</code> : <span className="muted">not set</span>}</p>
            <Field label="Set the CleverTap ID" htmlFor="ct-id" error={idProblem}>
              <input id="ct-id" value={newId} maxLength={64} onChange={(e) => setNewId(e.target.value)} />
            </Field>
            <div className="row">
              <button type="submit" disabled={busy || newId.trim() === '' || idProblem !== null}>
                Save CleverTap ID
              </button>
              {lookup.clevertapId ? (
                <button type="button" className="secondary" onClick={remove} disabled={busy}>
                  Remove
                </button>
              ) : null}
            </div>
          </form>
          <ProfileComparison appId={props.appId} userKey={lookup.userKey} version={version} onResent={() => void reloadHeld(lookup.userKey)} />
          <div className="card">
            <h2>Held records</h2>
            {lookup.held.length === 0 ? (
              <p className="muted" data-testid="no-held-records">
                Nothing is waiting for this user.
              </p>
            ) : (
              <table className="table" data-testid="held-records">
                <thead>
                  <tr>
                    <th>Record</th>
                    <th>Event</th>
                    <th>Waiting since</th>
                    <th>Gives up at</th>
                  </tr>
                </thead>
                <tbody>
                  {lookup.held.map((record) => (
                    <tr key={record.id}>
                      <td>
                        #{record.id} <StatusBadge status="held" /> {record.kind}
                      </td>
                      <td>
                        <Link to={`/apps/${encodeURIComponent(props.appId)}/events/${encodeURIComponent(record.eventId)}`}>{record.eventId}</Link>
                      </td>
                      <td>{formatTime(record.createdAt)}</td>
                      <td>{formatTime(record.holdUntil)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="hint">
              <Link to={`/apps/${encodeURIComponent(props.appId)}/events?userKey=${encodeURIComponent(lookup.userKey)}`}>All events of this user</Link>
            </p>
          </div>
        </>
      ) : null}
      {error && !(error instanceof ApiError) ? <p className="error-text">{errorMessage(error)}</p> : null}
    </div>
  );
}
