import type { ReactNode } from 'react';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';
import { AllAppsAlerts, AppAlerts } from './app-alerts.js';

const APP_NAV = [
  { id: 'overview', label: 'Overview' },
  { id: 'integrations', label: 'Integrations' },
  { id: 'events', label: 'Events' },
  { id: 'try', label: 'Try a payload' },
  { id: 'identity', label: 'Identity' },
  { id: 'webhook', label: 'Setup' },
] as const;

/** Top bar (brand, logout) and, inside an app, the app's name and section navigation. */
export function AppLayout(props: { appId?: string; path: string; onLogout: () => void; children: ReactNode }) {
  const appId = props.appId;
  const app = useLoad(() => (appId ? api.getApp(appId) : Promise.resolve(undefined)), [appId]);
  const base = appId ? `/apps/${encodeURIComponent(appId)}` : '';
  return (
    <div className="layout">
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark">⇄</span> pcbridge
        </Link>
        <span className="topbar-sub">Purchasely → CleverTap</span>
        <div className="spacer" />
        <button type="button" className="secondary nowrap" onClick={props.onLogout} data-testid="logout">
          Log out
        </button>
      </header>
      {appId ? (
        <div className="app-header">
          <div className="crumbs">
            <Link to="/">Apps</Link> /{' '}
            <strong data-testid="app-name" className="id-text">
              {app.data?.name ?? appId}
            </strong>
          </div>
          <nav className="app-nav" aria-label="App sections">
            {APP_NAV.map((item) => (
              <Link key={item.id} to={`${base}/${item.id}`} className={props.path.startsWith(`${base}/${item.id}`) ? 'active' : undefined} testId={`nav-${item.id}`}>
                {item.label}
              </Link>
            ))}
          </nav>
        </div>
      ) : null}
      <main className="content">
        <div className="alerts" data-testid="alerts">
          {appId ? <AppAlerts appId={appId} /> : props.path === '/' ? <AllAppsAlerts /> : null}
        </div>
        {props.children}
      </main>
    </div>
  );
}
