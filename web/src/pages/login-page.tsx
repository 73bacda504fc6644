import { useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '../api.js';

/** Trades the admin token for the session cookie; the token is not kept in the page. */
export function LoginPage(props: { onLoggedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.login(token.trim());
      setToken('');
      props.onLoggedIn();
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That is not the admin token.' : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <form className="card login-card" onSubmit={submit}>
        <h1>
          <span className="brand-mark">⇄</span> pcbridge
        </h1>
        <p className="muted">Purchasely server events to CleverTap. Log in with the admin token (PCBRIDGE_ADMIN_TOKEN, or the one printed at first start).</p>
        <label htmlFor="token">Admin token</label>
        <input id="token" type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} autoFocus required />
        {error ? (
          <div className="field-error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
