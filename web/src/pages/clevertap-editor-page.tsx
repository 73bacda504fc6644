import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage, type CatalogOut, type IntegrationSettingsIn, type IntegrationSettingsOut, type CredentialTestOut } from '../api.js';
import { ErrorBanner } from '../components/error-banner.js';
import { Field } from '../components/field.js';
import { MappingEditor, type MappingItem } from '../components/mapping-editor.js';
import { Tabs } from '../components/tabs.js';
import { Toggle } from '../components/toggle.js';
import { validateMapping, type MappingEntryDraft } from '../naming.js';
import { Link } from '../router.js';
import { isRegion, REGION_LABELS, REGIONS, type Region } from '../../../src/contract/regions.js';

const SANDBOX_MODES = [
  { id: 'skip', label: "Don't send sandbox events" },
  { id: 'same_account', label: 'Send them to this account' },
  { id: 'sandbox_account', label: 'Send them to another (test) account' },
] as const;

type TabId = 'account' | 'events' | 'userProperties';

/** The form's state: the settings as returned by GET, minus the read-only flags. */
interface Draft {
  enabled: boolean;
  region: Region;
  accountId: string;
  sandbox: string;
  sandboxAccount: { region: Region; accountId: string };
  events: Record<string, MappingEntryDraft>;
  userProperties: Record<string, MappingEntryDraft>;
  identity: { mode: string; holdFor: string };
  revenue: { chargedEvent: boolean; currency: string };
}

function entriesWithCatalog(stored: Record<string, MappingEntryDraft> | undefined, keys: readonly string[]): Record<string, MappingEntryDraft> {
  const out: Record<string, MappingEntryDraft> = {};
  for (const key of keys) out[key] = { enabled: false, name: key };
  for (const [key, entry] of Object.entries(stored ?? {})) out[key] = { enabled: Boolean(entry.enabled), name: entry.name ?? key };
  return out;
}

function toDraft(s: Partial<IntegrationSettingsOut> | undefined, catalog: CatalogOut | null): Draft {
  return {
    enabled: s?.enabled ?? false,
    region: s?.region ?? 'eu1',
    accountId: s?.accountId ?? '',
    sandbox: s?.sandbox ?? 'skip',
    sandboxAccount: { region: s?.sandboxAccount?.region ?? 'eu1', accountId: s?.sandboxAccount?.accountId ?? '' },
    events: entriesWithCatalog(s?.events, catalog?.events.map((e) => e.name) ?? []),
    userProperties: entriesWithCatalog(s?.userProperties, catalog?.userProperties.map((p) => p.name) ?? []),
    identity: { mode: s?.identity?.mode ?? 'auto', holdFor: s?.identity?.holdFor ?? '24h' },
    revenue: { chargedEvent: s?.revenue?.chargedEvent ?? false, currency: s?.revenue?.currency ?? 'integration' },
  };
}

/** Splits the server's 422 details into field errors: `/accountId`, `/events/X/name`, … */
function splitServerDetails(err: unknown): { fields: Record<string, string>; events: Record<string, string>; userProperties: Record<string, string> } {
  const out = { fields: {} as Record<string, string>, events: {} as Record<string, string>, userProperties: {} as Record<string, string> };
  if (!(err instanceof ApiError)) return out;
  for (const detail of err.details) {
    const parts = detail.path
      .split('/')
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const [head, key] = parts;
    if ((head === 'events' || head === 'userProperties') && key !== undefined) out[head][key] = detail.message;
    else out.fields[parts.join('.') || 'form'] = detail.message;
  }
  return out;
}

/** Integrations → CleverTap → Edit: Account parameters, Server events, User properties. */
export function CleverTapEditorPage(props: { appId: string }) {
  const [tab, setTab] = useState<TabId>('account');
  const [catalog, setCatalog] = useState<CatalogOut | null>(null);
  const [loaded, setLoaded] = useState<Partial<IntegrationSettingsOut> | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [passcode, setPasscode] = useState('');
  const [sandboxPasscode, setSandboxPasscode] = useState('');
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const [test, setTest] = useState<{ busy: boolean; result?: CredentialTestOut; error?: unknown }>({ busy: false });

  useEffect(() => {
    let live = true;
    Promise.all([
      api.getIntegration(props.appId).catch((err: unknown) => {
        // Not configured yet: start from the defaults.
        if (err instanceof ApiError && err.status === 404 && err.code !== 'unknown_app') return undefined;
        throw err;
      }),
      api.getCatalog(props.appId).catch(() => null),
    ]).then(
      ([settings, cat]) => {
        if (!live) return;
        setCatalog(cat);
        setLoaded(settings ?? {});
        setDraft(toDraft(settings, cat));
      },
      (err: unknown) => live && setLoadError(err),
    );
    return () => {
      live = false;
    };
  }, [props.appId]);

  const eventProblems = useMemo(() => (draft ? validateMapping('events', draft.events, { chargedEvent: draft.revenue.chargedEvent }) : {}), [draft]);
  const propertyProblems = useMemo(() => (draft ? validateMapping('userProperties', draft.userProperties) : {}), [draft]);
  const server = useMemo(() => splitServerDetails(saveError), [saveError]);

  const eventItems = useMemo<MappingItem[]>(() => {
    if (!draft) return [];
    const known = new Map((catalog?.events ?? []).map((e) => [e.name, e]));
    return Object.keys(draft.events).map((key) => {
      const entry = known.get(key);
      return { key, group: entry?.category ?? 'other', description: entry?.description ?? '' };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only the set of keys matters here, not the names being typed
  }, [catalog, draft && Object.keys(draft.events).join(',')]);
  const propertyItems = useMemo<MappingItem[]>(() => {
    if (!draft) return [];
    const known = new Map((catalog?.userProperties ?? []).map((p) => [p.name, p]));
    return Object.keys(draft.userProperties).map((key) => {
      const entry = known.get(key);
      const item: MappingItem = { key, group: entry?.type ?? 'string', description: entry?.description ?? '' };
      if (entry?.origin === 'pcbridge') item.badge = 'pcbridge extra';
      return item;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- as above: only the set of keys matters
  }, [catalog, draft && Object.keys(draft.userProperties).join(',')]);

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!draft || !loaded) return <p className="muted">Loading…</p>;

  const update = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch });
    setSaved(false);
  };
  const problemCount = Object.keys(eventProblems).length + Object.keys(propertyProblems).length;
  const fieldError = (name: string) => server.fields[name] ?? null;

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    if (problemCount > 0) return;
    setBusy(true);
    setSaveError(undefined);
    setSaved(false);
    const body: IntegrationSettingsIn = {
      enabled: draft.enabled,
      region: draft.region,
      accountId: draft.accountId.trim(),
      sandbox: draft.sandbox as IntegrationSettingsIn['sandbox'],
      sandboxAccount: {
        region: draft.sandboxAccount.region,
        accountId: draft.sandboxAccount.accountId.trim(),
        ...(sandboxPasscode !== '' ? { passcode: sandboxPasscode } : {}),
      },
      events: draft.events,
      userProperties: draft.userProperties,
      identity: draft.identity as IntegrationSettingsIn['identity'],
      revenue: draft.revenue as IntegrationSettingsIn['revenue'],
      // Empty = keep the stored passcode (it is never sent back to the browser).
      ...(passcode !== '' ? { passcode } : {}),
    };
    try {
      const out = await api.putIntegration(props.appId, body);
      setLoaded(out);
      setDraft(toDraft(out, catalog));
      setPasscode('');
      setSandboxPasscode('');
      setSaved(true);
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };

  const testConnection = async () => {
    setTest({ busy: true });
    try {
      const result = await api.testIntegration(props.appId, {
        region: draft.region,
        // Omitted fields fall back to the saved ones on the server.
        ...(draft.accountId.trim() !== '' ? { accountId: draft.accountId.trim() } : {}),
        ...(passcode !== '' ? { passcode } : {}),
      });
      setTest({ busy: false, result });
    } catch (err) {
      setTest({ busy: false, error: err });
    }
  };

  const serverEventCount = Object.keys(server.events).length;
  const serverPropertyCount = Object.keys(server.userProperties).length;
  const tabs = [
    { id: 'account' as const, label: 'Account parameters', badge: Object.keys(server.fields).length },
    { id: 'events' as const, label: 'Server events', badge: Object.keys(eventProblems).length + serverEventCount },
    { id: 'userProperties' as const, label: 'User properties', badge: Object.keys(propertyProblems).length + serverPropertyCount },
  ];

  return (
    <form className="stack" onSubmit={save} data-testid="clevertap-editor">
      <div className="page-title">
        <div className="crumbs">
          <Link to={`/apps/${encodeURIComponent(props.appId)}/integrations`}>Integrations</Link> / CleverTap
        </div>
        <h1>CleverTap</h1>
      </div>
      <Tabs tabs={tabs} active={tab} onChange={setTab} />

      {tab === 'account' ? (
        <div className="card form">
          <Toggle checked={draft.enabled} onChange={(enabled) => update({ enabled })} label="Integration enabled" testId="integration-enabled" />
          <div className="grid-2">
            <Field label="Region" htmlFor="ct-region" error={fieldError('region')} hint="The region of your CleverTap account (Settings → Project in CleverTap).">
              <select id="ct-region" value={draft.region} onChange={(e) => isRegion(e.target.value) && update({ region: e.target.value })}>
                {REGIONS.map((r) => (
                  <option key={r} value={r}>
                    {`${r} — ${REGION_LABELS[r]}`}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Account ID" htmlFor="ct-account" error={fieldError('accountId')}>
              <input id="ct-account" value={draft.accountId} placeholder="W9R-…" autoComplete="off" onChange={(e) => update({ accountId: e.target.value })} />
            </Field>
          </div>
          <Field
            label="Passcode"
            htmlFor="ct-passcode"
            error={fieldError('passcode')}
            hint={loaded.passcodeSet ? 'A passcode is stored. Leave empty to keep it; type a new one to replace it.' : 'Write-only: it is stored encrypted and never shown again.'}
          >
            <input
              id="ct-passcode"
              type="password"
              autoComplete="new-password"
              value={passcode}
              placeholder={loaded.passcodeSet ? '•••• set' : 'Passcode'}
              onChange={(e) => {
                setPasscode(e.target.value);
                setSaved(false);
              }}
            />
          </Field>
          <div className="row">
            <button type="button" className="secondary" onClick={testConnection} disabled={test.busy} data-testid="test-connection">
              {test.busy ? 'Testing…' : 'Test connection'}
            </button>
            {test.result ? (
              <span className={test.result.ok ? 'ok-text' : 'error-text'} data-testid="test-result">
                {test.result.ok ? '✓ ' : '✗ '}
                {test.result.message}
              </span>
            ) : null}
            {test.error ? (
              <span className="error-text" data-testid="test-result">
                {errorMessage(test.error)}
              </span>
            ) : null}
          </div>

          <h3>Sandbox events</h3>
          <p className="hint">Events of Purchasely's SANDBOX environment (test purchases).</p>
          <div className="radio-group">
            {SANDBOX_MODES.map((mode) => (
              <label key={mode.id} className="radio">
                <input type="radio" name="sandbox" value={mode.id} checked={draft.sandbox === mode.id} onChange={() => update({ sandbox: mode.id })} />
                {mode.label}
              </label>
            ))}
          </div>
          {fieldError('sandbox') ? <div className="field-error">{fieldError('sandbox')}</div> : null}
          {draft.sandbox === 'sandbox_account' ? (
            <div className="grid-3 indent">
              <Field label="Sandbox region" htmlFor="sb-region" error={fieldError('sandboxAccount.region')}>
                <select
                  id="sb-region"
                  value={draft.sandboxAccount.region}
                  onChange={(e) => isRegion(e.target.value) && update({ sandboxAccount: { ...draft.sandboxAccount, region: e.target.value } })}
                >
                  {REGIONS.map((r) => (
                    <option key={r} value={r}>
                      {`${r} — ${REGION_LABELS[r]}`}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Sandbox account ID" htmlFor="sb-account" error={fieldError('sandboxAccount.accountId')}>
                <input
                  id="sb-account"
                  value={draft.sandboxAccount.accountId}
                  autoComplete="off"
                  onChange={(e) => update({ sandboxAccount: { ...draft.sandboxAccount, accountId: e.target.value } })}
                />
              </Field>
              <Field label="Sandbox passcode" htmlFor="sb-passcode" error={fieldError('sandboxAccount.passcode')}>
                <input
                  id="sb-passcode"
                  type="password"
                  autoComplete="new-password"
                  value={sandboxPasscode}
                  placeholder={(loaded.sandboxAccount as { passcodeSet?: boolean } | undefined)?.passcodeSet ? '•••• set' : 'Passcode'}
                  onChange={(e) => setSandboxPasscode(e.target.value)}
                />
              </Field>
            </div>
          ) : null}

          <h3>Identity and revenue</h3>
          <div className="grid-3">
            <Field label="CleverTap identity" htmlFor="id-mode" error={fieldError('identity.mode')}>
              <select id="id-mode" value={draft.identity.mode} onChange={(e) => update({ identity: { ...draft.identity, mode: e.target.value } })}>
                <option value="auto">CleverTap ID, else user ID (auto)</option>
                <option value="object_id">CleverTap ID only</option>
                <option value="identity">User ID only</option>
              </select>
            </Field>
            <Field label="Wait for a CleverTap ID" htmlFor="id-hold" error={fieldError('identity.holdFor')} hint="e.g. 30m, 24h, 7d (at most 30d)">
              <input id="id-hold" value={draft.identity.holdFor} onChange={(e) => update({ identity: { ...draft.identity, holdFor: e.target.value } })} />
            </Field>
            <Field label="Charged amount" htmlFor="rev-currency" error={fieldError('revenue.currency')}>
              <select id="rev-currency" value={draft.revenue.currency} onChange={(e) => update({ revenue: { ...draft.revenue, currency: e.target.value } })}>
                <option value="integration">In the integration currency</option>
                <option value="customer">In the customer's currency</option>
              </select>
            </Field>
          </div>
          <Toggle
            checked={draft.revenue.chargedEvent}
            onChange={(chargedEvent) => update({ revenue: { ...draft.revenue, chargedEvent } })}
            label="Also send CleverTap's Charged event for TRANSACTION_PROCESSED"
          />
          {Object.entries(server.fields)
            .filter(
              ([k]) =>
                ![
                  'region',
                  'accountId',
                  'passcode',
                  'sandbox',
                  'sandboxAccount.region',
                  'sandboxAccount.accountId',
                  'sandboxAccount.passcode',
                  'identity.mode',
                  'identity.holdFor',
                  'revenue.currency',
                ].includes(k),
            )
            .map(([k, message]) => (
              <div key={k} className="field-error">
                {k}: {message}
              </div>
            ))}
        </div>
      ) : null}

      {tab === 'events' ? (
        <div className="card">
          <MappingEditor
            kind="events"
            items={eventItems}
            entries={draft.events}
            problems={eventProblems}
            serverProblems={server.events}
            onChange={(events) => {
              update({ events });
              if (serverEventCount) setSaveError(undefined);
            }}
          />
        </div>
      ) : null}

      {tab === 'userProperties' ? (
        <div className="card">
          <MappingEditor
            kind="userProperties"
            items={propertyItems}
            entries={draft.userProperties}
            problems={propertyProblems}
            serverProblems={server.userProperties}
            onChange={(userProperties) => {
              update({ userProperties });
              if (serverPropertyCount) setSaveError(undefined);
            }}
          />
        </div>
      ) : null}

      <div className="savebar">
        {problemCount > 0 ? (
          <span className="error-text" data-testid="save-blocked">
            Fix {problemCount} CleverTap {problemCount === 1 ? 'name' : 'names'} before saving.
          </span>
        ) : null}
        {saveError ? (
          <span className="error-text" data-testid="save-error">
            {errorMessage(saveError)}
            {saveError instanceof ApiError && saveError.details.length > 0
              ? ` (${saveError.details.length} ${saveError.details.length === 1 ? 'problem' : 'problems'}, shown next to the fields)`
              : ''}
          </span>
        ) : null}
        {saved ? (
          <span className="ok-text" data-testid="saved">
            Saved.
          </span>
        ) : null}
        <div className="spacer" />
        <button type="submit" disabled={busy || problemCount > 0} data-testid="save-integration">
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
