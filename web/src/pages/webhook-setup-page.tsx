import { useEffect, useState, type FormEvent } from 'react';
import { api, type AppOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { SecretOnce } from '../components/secret-once.js';
import { useLoad } from '../hooks.js';
import { navigate } from '../router.js';
import { Toggle } from '../components/toggle.js';

/** What to paste into Purchasely's console, secret rotation, the SDK key, and the app itself. */
export function WebhookSetupPage(props: { appId: string }) {
  const app = useLoad(() => api.getApp(props.appId), [props.appId]);
  const [secret, setSecret] = useState('');
  const [sdkKey, setSdkKey] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const url = app.data ? `${window.location.origin}${app.data.webhookPath}` : '';

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setNotice(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const setNewSecret = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await api.setWebhookSecret(props.appId, secret);
      setSecret('');
      setNotice('New secret saved. The previous one keeps working until you retire it, so no event is refused while Purchasely switches.');
      app.reload();
    });
  };
  const retire = () =>
    act(async () => {
      await api.retirePreviousSecret(props.appId);
      setNotice('Previous secret retired.');
      app.reload();
    });
  const rotate = () => {
    if (!window.confirm('Make a new SDK key? The current one stops working at once; apps that still use it will fail to set CleverTap IDs.')) return;
    void act(async () => setSdkKey((await api.rotateSdkKey(props.appId)).sdkKey));
  };

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Setup</h1>
      </div>
      <ErrorBanner error={app.error ?? error} />
      {notice ? <div className="banner banner-ok">{notice}</div> : null}
      <div className="card form">
        <h2>1. Webhook URL</h2>
        <p className="muted">In Purchasely's console (Settings → Webhooks), set this as the webhook URL, then copy its “Client shared secret” here.</p>
        <div className="secret-row">
          <code data-testid="webhook-url">{url}</code>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(url)}>
            Copy
          </button>
        </div>
      </div>
      <form className="card form" onSubmit={setNewSecret}>
        <h2>2. Purchasely webhook secret</h2>
        <p className="muted">The secret is stored encrypted and never shown again. After changing it in Purchasely, paste the new one here.</p>
        <Field label="New secret" htmlFor="new-secret">
          <input id="new-secret" type="password" autoComplete="off" value={secret} onChange={(e) => setSecret(e.target.value)} />
        </Field>
        <div className="row">
          <button type="submit" disabled={busy || secret === ''}>
            Set new secret
          </button>
          {app.data?.previousWebhookSecretActive ? (
            <button type="button" className="secondary" onClick={retire} disabled={busy} data-testid="retire-previous">
              Retire the previous secret
            </button>
          ) : (
            <span className="muted">Only one secret is active.</span>
          )}
        </div>
      </form>
      <div className="card form">
        <h2>3. SDK key</h2>
        <p className="muted">Apps (or their backend) use it to set a user's CleverTap ID; it can do nothing else. It is shown only when it is made.</p>
        {sdkKey ? <SecretOnce label="The new SDK key:" value={sdkKey} onDismiss={() => setSdkKey(null)} /> : null}
        <div>
          <button type="button" className="secondary" onClick={rotate} disabled={busy} data-testid="rotate-sdk-key">
            Rotate the SDK key
          </button>
        </div>
      </div>
      {app.data ? <AppSettings app={app.data} onSaved={() => app.reload()} /> : null}
    </div>
  );
}

/** Name, signature checks, and deleting the app with everything stored for it. */
function AppSettings(props: { app: AppOut; onSaved: () => void }) {
  const { app } = props;
  const [name, setName] = useState(app.name);
  const [tolerance, setTolerance] = useState(String(app.signatureToleranceSeconds ?? 300));
  const [legacy, setLegacy] = useState(app.allowLegacySignatures ?? false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setName(app.name);
    setTolerance(String(app.signatureToleranceSeconds ?? 300));
    setLegacy(app.allowLegacySignatures ?? false);
  }, [app]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await api.updateApp(app.id, { name: name.trim(), signatureToleranceSeconds: Number(tolerance), allowLegacySignatures: legacy });
      setSaved(true);
      props.onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete “${app.name}” and everything stored for it (events, records, user states, settings)? Purchasely's webhooks to it will get 404.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.deleteApp(app.id);
      navigate('/');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={save} data-testid="app-settings">
      <h2>App</h2>
      <Field label="Name" htmlFor="app-settings-name">
        <input id="app-settings-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </Field>
      <Field
        label="Signature time window (seconds)"
        htmlFor="app-settings-tolerance"
        hint="How far a webhook's timestamp may be from this server's clock (1 to 86,400)."
      >
        <input id="app-settings-tolerance" type="number" min={1} max={86400} value={tolerance} onChange={(e) => setTolerance(e.target.value)} required />
      </Field>
      <Toggle checked={legacy} onChange={setLegacy} label="Accept Purchasely's older signature schemes" testId="app-settings-legacy" />
      <ErrorBanner error={error} />
      {saved ? <div className="banner banner-ok">Saved.</div> : null}
      <div className="row">
        <button type="submit" disabled={busy || name.trim() === ''}>
          Save
        </button>
        <button type="button" className="danger" onClick={remove} disabled={busy} data-testid="delete-app">
          Delete this app
        </button>
      </div>
    </form>
  );
}
