import { useEffect, useState } from 'react';
import { api, setUnauthorizedHandler } from './api.js';
import { AppLayout } from './components/app-layout.js';
import { AppsPage } from './pages/apps-page.js';
import { CleverTapEditorPage } from './pages/clevertap-editor-page.js';
import { EventDetailPage } from './pages/event-detail-page.js';
import { EventsPage } from './pages/events-page.js';
import { IdentityPage } from './pages/identity-page.js';
import { IntegrationsPage } from './pages/integrations-page.js';
import { LoginPage } from './pages/login-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { PreviewPage } from './pages/preview-page.js';
import { WebhookSetupPage } from './pages/webhook-setup-page.js';
import { matchPath, navigate, useLocation } from './router.js';

type Session = 'checking' | 'in' | 'out';

/** Per-app screens, each under /apps/:appId/… */
const APP_SCREENS: { pattern: string; render: (p: Record<string, string>) => React.ReactNode }[] = [
  { pattern: '/apps/:appId/overview', render: (p) => <OverviewPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/integrations', render: (p) => <IntegrationsPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/integrations/clevertap', render: (p) => <CleverTapEditorPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/events', render: (p) => <EventsPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/events/:eventId', render: (p) => <EventDetailPage appId={p.appId!} eventId={p.eventId!} /> },
  { pattern: '/apps/:appId/try', render: (p) => <PreviewPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/identity', render: (p) => <IdentityPage appId={p.appId!} /> },
  { pattern: '/apps/:appId/webhook', render: (p) => <WebhookSetupPage appId={p.appId!} /> },
];

/** The dashboard: checks the session cookie once, then routes. */
export function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session>('checking');

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSession('out');
      if (window.location.pathname !== '/login') navigate('/login', { replace: true });
    });
    // The cookie is HttpOnly: the only way to know whether it is valid is to use it.
    api.listApps().then(
      () => setSession('in'),
      () => setSession('out'),
    );
  }, []);

  useEffect(() => {
    if (session === 'out' && path !== '/login') navigate('/login', { replace: true });
    if (session === 'in' && path === '/login') navigate('/', { replace: true });
  }, [session, path]);

  const logout = async () => {
    await api.logout().catch(() => undefined);
    setSession('out');
    navigate('/login', { replace: true });
  };

  if (session === 'checking') return <div className="page-loading">Loading…</div>;
  if (session === 'out' || path === '/login') {
    return (
      <LoginPage
        onLoggedIn={() => {
          setSession('in');
          navigate('/', { replace: true });
        }}
      />
    );
  }

  const bare = matchPath('/apps/:appId', path);
  if (bare) {
    navigate(`/apps/${encodeURIComponent(bare.appId!)}/overview`, { replace: true });
    return null;
  }
  for (const screen of APP_SCREENS) {
    const params = matchPath(screen.pattern, path);
    if (params) {
      return (
        <AppLayout appId={params.appId!} path={path} onLogout={logout}>
          {screen.render(params)}
        </AppLayout>
      );
    }
  }
  return (
    <AppLayout path={path} onLogout={logout}>
      {path === '/' ? <AppsPage /> : <NotFound />}
    </AppLayout>
  );
}

function NotFound() {
  return (
    <div className="card">
      <h2>Page not found</h2>
      <p>
        <a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))}>
          Back to the apps
        </a>
      </p>
    </div>
  );
}
