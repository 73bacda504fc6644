import { useEffect, useState } from 'react';
import { appAlerts, SPIKE_WINDOW } from '../alerts.js';
import { api, errorMessage } from '../api.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

const REFRESH_MS = 15_000;

/**
 * The banner on every page of an app: CleverTap refused the credentials (fix them, or resume
 * once they work again), or a spike of failed events (see them, fix the cause, replay).
 */
export function AppAlerts(props: { appId: string; appName?: string | undefined; showApp?: boolean }) {
  const { appId } = props;
  const state = useLoad(
    () =>
      Promise.all([api.getIntegration(appId).catch(() => undefined), api.getStats(appId, SPIKE_WINDOW).catch(() => undefined)]).then(([settings, stats]) =>
        appAlerts(settings as Parameters<typeof appAlerts>[0], stats),
      ),
    [appId],
  );
  const { reload } = state;
  const [resume, setResume] = useState<{ busy: boolean; error?: string; done?: boolean }>({ busy: false });
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const base = `/apps/${encodeURIComponent(appId)}`;
  const prefix = props.showApp ? `${props.appName ?? appId}: ` : '';

  const doResume = async () => {
    setResume({ busy: true });
    try {
      await api.resumeIntegration(appId);
      setResume({ busy: false, done: true });
      reload();
    } catch (err) {
      setResume({ busy: false, error: errorMessage(err) });
    }
  };

  return (
    <>
      {(state.data ?? []).map((alert) =>
        alert.kind === 'auth_failed' ? (
          <div key="auth" className="banner banner-error alert-banner" role="alert" data-testid="alert-auth-failed">
            <div>
              <strong>{prefix}CleverTap refused the credentials: sending is paused.</strong> Nothing is lost: records wait until the account ID, passcode and region are fixed, or
              sending is resumed once they work again.
            </div>
            <div className="row">
              <Link to={`${base}/integrations/clevertap`} className="button" testId="alert-fix-credentials">
                Fix credentials
              </Link>
              <button type="button" className="secondary" onClick={doResume} disabled={resume.busy} data-testid="alert-resume">
                {resume.busy ? 'Resuming…' : 'Resume sending'}
              </button>
              {resume.error ? <span className="error-text">{resume.error}</span> : null}
            </div>
          </div>
        ) : (
          <div key="spike" className="banner banner-warn alert-banner" role="alert" data-testid="alert-failed-spike">
            <div>
              <strong>
                {prefix}
                {alert.failed} of {alert.received} events failed in the last {alert.window}.
              </strong>{' '}
              Open them to see CleverTap's answer, fix the cause (often a name CleverTap refuses), then replay them.
            </div>
            <div className="row">
              <Link to={`${base}/events?status=failed`} className="button" testId="alert-see-failed">
                See failed events
              </Link>
            </div>
          </div>
        ),
      )}
      {resume.done && !(state.data ?? []).some((a) => a.kind === 'auth_failed') ? (
        <div className="banner banner-ok" role="status">
          Sending resumed.
        </div>
      ) : null}
    </>
  );
}

/** On the apps list: the alerts of every app (at most the first 20). */
export function AllAppsAlerts() {
  const apps = useLoad(() => api.listApps(), []);
  return (
    <>
      {(apps.data?.items ?? []).slice(0, 20).map((app) => (
        <AppAlerts key={app.id} appId={app.id} appName={app.name} showApp />
      ))}
    </>
  );
}
