import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { AppSettings } from '../components/app-settings.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { RefusedRequests } from '../components/refused-requests.js';
import { SecretOnce } from '../components/secret-once.js';
import { useLoad } from '../hooks.js';

/** What to paste into Purchasely's console, secret rotation, the requests refused lately, the SDK key, and the app itself. */
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
      <RefusedRequests appId={props.appId} {...(app.data?.signatureToleranceSeconds !== undefined ? { toleranceSeconds: app.data.signatureToleranceSeconds } : {})} />
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
