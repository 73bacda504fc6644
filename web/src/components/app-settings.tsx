import { useEffect, useState, type FormEvent } from 'react';
import { api, type AppOut } from '../api.js';
import { navigate } from '../router.js';
import { ErrorBanner } from './error-banner.js';
import { Field } from './field.js';
import { Toggle } from './toggle.js';

/** Name, signature checks, and deleting the app with everything stored for it. */
export function AppSettings(props: { app: AppOut; onSaved: () => void }) {
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
      <Field label="Signature time window (seconds)" htmlFor="app-settings-tolerance" hint="How far a webhook's timestamp may be from this server's clock (1 to 86,400).">
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
