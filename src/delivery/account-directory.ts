/**
 * Which CleverTap accounts the integrations send to, and which (app, target) streams of
 * records feed each one. Read from the integrations table, so a credential change made by any
 * instance or command is picked up at the next refresh.
 */
import type { CleverTapAccount } from '../clevertap/types.js';
import type { AppContext } from '../context.js';
import { accountKeyOf } from '../clevertap/account-key.js';
import { loadIntegration, resolveIntegrationAccounts } from '../settings/load-integration.js';
import type { IdentityMode } from '../identity/resolve-identifier.js';
import { DEFAULT_HOLD_FOR } from '../settings/defaults.js';
import { parseDuration } from '../settings/duration.js';

/** The records of one app bound for one target (`main` or `sandbox`). */
export interface RecordStream {
  appId: string;
  target: 'main' | 'sandbox';
  identityMode: IdentityMode;
  /** How long a record without an identifier waits (settings `identity.holdFor`). */
  holdForMs: number;
}

/** One account and everything that feeds it. */
export interface DeliveryAccount {
  /** `${region}:${accountId}` */
  key: string;
  account: CleverTapAccount;
  /** Keyed digest of region + account ID + passcode: tells a credential change apart. */
  credentialsDigest: string;
  streams: RecordStream[];
}

/** Keyed digest of the credentials (never the passcode itself) for `accounts.credentials_digest`. */
export function digestCredentials(ctx: Pick<AppContext, 'secrets'>, account: CleverTapAccount): string {
  return ctx.secrets.digest(`clevertap-credentials\n${account.region}\n${account.accountId}\n${account.passcode}`);
}

/** The accounts of one app, keyed by account key (used by the resume route). */
export async function loadAppAccounts(ctx: AppContext, appId: string): Promise<Map<string, DeliveryAccount>> {
  const accounts = new Map<string, DeliveryAccount>();
  const integration = await loadIntegration(ctx.store, appId);
  const { main, sandbox } = resolveIntegrationAccounts(ctx.secrets, integration);
  const { identity } = integration.settings;
  const holdForMs = parseDuration(identity.holdFor) ?? parseDuration(DEFAULT_HOLD_FOR)!;
  const add = (account: CleverTapAccount | null, target: RecordStream['target']): void => {
    if (account === null) return;
    const key = accountKeyOf(account.region, account.accountId);
    let entry = accounts.get(key);
    if (!entry) {
      entry = { key, account, credentialsDigest: digestCredentials(ctx, account), streams: [] };
      accounts.set(key, entry);
    }
    entry.streams.push({ appId, target, identityMode: identity.mode, holdForMs });
  };
  add(main, 'main');
  add(sandbox, 'sandbox');
  return accounts;
}

/** Every account any integration sends to, with its streams. */
export async function loadDeliveryAccounts(ctx: AppContext): Promise<Map<string, DeliveryAccount>> {
  const accounts = new Map<string, DeliveryAccount>();
  for (const app_id of await ctx.store.delivery.records.integratedAppIds()) {
    let perApp: Map<string, DeliveryAccount>;
    try {
      perApp = await loadAppAccounts(ctx, app_id);
    } catch (err) {
      // One unreadable integration (e.g. a passcode encrypted under another key) must not stop the others.
      ctx.logger.error({ appId: app_id, err: (err as Error).message }, 'cannot read the CleverTap integration; its records wait');
      continue;
    }
    for (const [key, entry] of perApp) {
      const existing = accounts.get(key);
      if (existing) existing.streams.push(...entry.streams);
      else accounts.set(key, entry);
    }
  }
  return accounts;
}
