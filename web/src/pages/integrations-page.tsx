import { useState } from 'react';
import { api, ApiError } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { StatusBadge } from '../components/status-badge.js';
import { useLoad } from '../hooks.js';
import { integrationStatus } from '../integration-status.js';
import { Link } from '../router.js';

/** The app's integrations: one CleverTap tile with its status and an Edit button. */
export function IntegrationsPage(props: { appId: string }) {
  const settings = useLoad(() => api.getIntegration(props.appId), [props.appId]);
  const stats = useLoad(() => api.getStats(props.appId, '1h').catch(() => undefined), [props.appId]);
  const [resumeError, setResumeError] = useState<unknown>(undefined);
  const status = integrationStatus(settings.data as never, stats.data);
  const enabledEvents = settings.data ? Object.values(settings.data.events ?? {}).filter((e) => e.enabled).length : 0;
  const enabledProps = settings.data ? Object.values(settings.data.userProperties ?? {}).filter((e) => e.enabled).length : 0;
  const notFound = settings.error instanceof ApiError && settings.error.status === 404;

  const resume = async () => {
    setResumeError(undefined);
    try {
      await api.resumeIntegration(props.appId);
      settings.reload();
      stats.reload();
    } catch (err) {
      setResumeError(err);
    }
  };

  return (
    <div className="stack">
      <div className="page-title">
        <h1>Integrations</h1>
        <p className="muted">Where this app's Purchasely events go.</p>
      </div>
      {!notFound ? <ErrorBanner error={settings.error} /> : null}
      <div className="tiles">
        <div className="card tile" data-testid="clevertap-tile">
          <div className="tile-head">
            <div className="tile-logo">CT</div>
            <div>
              <h2>CleverTap</h2>
              <StatusBadge status={status} testId="clevertap-status" />
            </div>
          </div>
          {settings.data ? (
            <dl className="facts">
              <dt>Account</dt>
              <dd>{settings.data.accountId ? <code>{`${settings.data.region} · ${settings.data.accountId}`}</code> : <span className="muted">not set</span>}</dd>
              <dt>Passcode</dt>
              <dd>{settings.data.passcodeSet ? '•••• set' : <span className="muted">not set</span>}</dd>
              <dt>Sending</dt>
              <dd>
                {enabledEvents} events, {enabledProps} user properties
              </dd>
              <dt>Sandbox events</dt>
              <dd>{String(settings.data.sandbox ?? 'skip').replace(/_/g, ' ')}</dd>
            </dl>
          ) : settings.loading ? (
            <p className="muted">Loading…</p>
          ) : (
            <p className="muted">Not configured yet.</p>
          )}
          {status === 'auth_failed' ? (
            <div className="banner banner-error">
              CleverTap refused these credentials; sending is paused (nothing is lost). Fix them with Edit, or resume once they work again.
              <div>
                <button type="button" className="secondary" onClick={resume}>
                  Resume sending
                </button>
              </div>
              <ErrorBanner error={resumeError} />
            </div>
          ) : null}
          <div className="tile-actions">
            <Link to={`/apps/${encodeURIComponent(props.appId)}/integrations/clevertap`} className="button" testId="clevertap-edit">
              Edit
            </Link>
          </div>
        </div>
      </div>
    </div>
  );
}
