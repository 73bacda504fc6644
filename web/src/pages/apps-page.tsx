import { useState, type FormEvent } from 'react';
import { api, type AppCreatedOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { SecretOnce } from '../components/secret-once.js';
import { formatTime } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

/** The apps list and the "new app" form (which shows the SDK key once). */
export function AppsPage() {
  const apps = useLoad(() => api.listApps(), []);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [created, setCreated] = useState<AppCreatedOut | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const app = await api.createApp(name.trim(), secret);
      setCreated(app);
      setName('');
      setSecret('');
      apps.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Apps</h1>
        <p className="muted">One app per Purchasely app: it has its own webhook URL, secret and CleverTap integration.</p>
      </div>
      {created ? (
        <div data-testid="created-app">
          <SecretOnce label={`App “${created.name}” created. Its SDK key:`} value={created.sdkKey} onDismiss={() => setCreated(null)} />
          <p>
            Next: <Link to={`/apps/${encodeURIComponent(created.id)}/webhook`}>set up the webhook in Purchasely</Link> and{' '}
            <Link to={`/apps/${encodeURIComponent(created.id)}/integrations`}>connect CleverTap</Link>.
          </p>
        </div>
      ) : null}
      <div className="card">
        <ErrorBanner error={apps.error} />
        {apps.data && apps.data.items.length === 0 ? <p className="muted">No apps yet: create the first one below.</p> : null}
        {apps.data && apps.data.items.length > 0 ? (
          <table className="table" data-testid="apps-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>App ID</th>
                <th>Webhook path</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {apps.data.items.map((app) => (
                <tr key={app.id}>
                  <td>
                    <Link to={`/apps/${encodeURIComponent(app.id)}/overview`} testId={`app-link-${app.name}`}>
                      {app.name}
                    </Link>
                  </td>
                  <td>
                    <code>{app.id}</code>
                  </td>
                  <td>
                    <code>{app.webhookPath}</code>
                  </td>
                  <td>{formatTime(app.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>
      <form className="card form" onSubmit={create} data-testid="create-app-form">
        <h2>New app</h2>
        <Field label="Name" htmlFor="app-name">
          <input id="app-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </Field>
        <Field
          label="Purchasely webhook secret"
          htmlFor="app-secret"
          hint="Purchasely's “Client shared secret” (Purchasely console → Settings → Webhooks). Stored encrypted, never shown again."
        >
          <input id="app-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} required />
        </Field>
        <ErrorBanner error={error} />
        <div>
          <button type="submit" disabled={busy || name.trim() === '' || secret === ''}>
            {busy ? 'Creating…' : 'Create app'}
          </button>
        </div>
      </form>
    </div>
  );
}
