/**
 * Erasure reaching CleverTap (issue 14, `DELETE /apps/{appId}/users/{userKey}?clevertap=true`):
 * the user's profiles are deleted through CleverTap's Delete User Profile API
 * (`POST /1/delete/profiles.json`), by identity and by CleverTap ID (`guid`), in every account
 * the app sends to. The identifiers are collected before the local erasure (which forgets
 * them), the deletion is asked after it has committed.
 */
import { MAX_DELETE_VALUES, type DeleteProfilesOutcome, type ProfileClient } from '../clevertap/profile-client.js';
import type { CleverTapAccount } from '../clevertap/types.js';
import type { AppContext } from '../context.js';
import { accountKeyOf } from '../clevertap/account-key.js';
import { loadIntegration, resolveIntegrationAccounts } from '../settings/load-integration.js';

/** Who the user is in CleverTap: identities and CleverTap IDs (objectIds). */
export interface ClevertapIdentifiers {
  identities: string[];
  guids: string[];
}

/** One Delete User Profile request. */
export interface ClevertapDeletion {
  account: 'main' | 'sandbox';
  by: 'identity' | 'guid';
  /** How many identities or CleverTap IDs it named. */
  count: number;
  ok: boolean;
  httpStatus: number | null;
  message: string;
}

/** The `clevertap` member of the erasure answer. */
export interface ClevertapErasure {
  /** True when CleverTap accepted every deletion (also when there was nothing to delete). */
  ok: boolean;
  message: string;
  /** What was (or would have been) deleted, so an operator can finish a failed deletion by hand: pcbridge forgets them. */
  identifiers: { identity: string[]; guid: string[] };
  requests: ClevertapDeletion[];
}

/**
 * Every identifier CleverTap may know the user (and the anonymous IDs seen with them) by: the
 * identifiers their records were sent with, the CleverTap IDs set for them, and the user key as
 * an identity unless the app's events show it only as an anonymous ID.
 */
export async function collectClevertapIdentifiers(ctx: Pick<AppContext, 'store'>, appId: string, userKey: string): Promise<ClevertapIdentifiers> {
  const { userProfiles, attributes, erasure } = ctx.store;
  const keys = await erasure.linkedUserKeys(appId, userKey);
  const identities = new Set<string>();
  const guids = new Set<string>();
  for (const json of await userProfiles.sentIdentifiers(appId, keys)) {
    const identifier = JSON.parse(json) as { identity?: unknown; objectId?: unknown };
    if (typeof identifier.identity === 'string') identities.add(identifier.identity);
    if (typeof identifier.objectId === 'string') guids.add(identifier.objectId);
  }
  for (const id of (await attributes.getClevertapIds(appId, keys)).values()) guids.add(id);
  const anonymousOnly = !(await userProfiles.seenAsUserId(appId, userKey)) && (await userProfiles.seenAsAnonymousId(appId, userKey));
  if (!anonymousOnly) identities.add(userKey);
  return { identities: [...identities], guids: [...guids] };
}

/** Asks CleverTap to delete the profiles of `ids` in each account of the app's integration. */
export async function deleteClevertapProfiles(ctx: AppContext, client: ProfileClient, appId: string, ids: ClevertapIdentifiers): Promise<ClevertapErasure> {
  const identifiers = { identity: ids.identities, guid: ids.guids };
  const accounts = resolveIntegrationAccounts(ctx.secrets, await loadIntegration(ctx.store, appId));
  const targets: { account: 'main' | 'sandbox'; credentials: CleverTapAccount }[] = [];
  const seen = new Set<string>();
  for (const account of ['main', 'sandbox'] as const) {
    const credentials = accounts[account];
    if (credentials === null) continue;
    const key = accountKeyOf(credentials.region, credentials.accountId);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push({ account, credentials });
  }
  if (targets.length === 0) {
    return { ok: false, message: 'No CleverTap account ID and passcode are saved for this app: nothing was deleted in CleverTap.', identifiers, requests: [] };
  }
  if (ids.identities.length === 0 && ids.guids.length === 0) {
    return { ok: true, message: 'pcbridge knows no CleverTap identifier of this user: there was nothing to delete in CleverTap.', identifiers, requests: [] };
  }

  const requests: ClevertapDeletion[] = [];
  for (const { account, credentials } of targets) {
    for (const by of ['identity', 'guid'] as const) {
      const values = by === 'identity' ? ids.identities : ids.guids;
      for (let i = 0; i < values.length; i += MAX_DELETE_VALUES) {
        const part = values.slice(i, i + MAX_DELETE_VALUES);
        const outcome: DeleteProfilesOutcome = await client.deleteProfiles(credentials, by === 'identity' ? { identity: part } : { guid: part });
        requests.push({ account, by, count: part.length, ok: outcome.kind === 'deleted', httpStatus: outcome.httpStatus, message: outcome.message });
      }
    }
  }
  const failed = requests.filter((r) => !r.ok);
  ctx.logger.info({ appId, requests: requests.length, failed: failed.length }, 'user erasure sent to CleverTap');
  if (failed.length === 0) {
    return {
      ok: true,
      message: `CleverTap accepted the deletion of the user's profiles (${requests.length} request${requests.length === 1 ? '' : 's'}); CleverTap completes deletions on its side within its own delay.`,
      identifiers,
      requests,
    };
  }
  return {
    ok: false,
    message: `CleverTap did not accept ${failed.length} of ${requests.length} deletion request${requests.length === 1 ? '' : 's'}: ${failed[0]!.message} The data stored in pcbridge is erased; delete the profiles left in CleverTap (see identifiers) from its dashboard or with its Delete User Profile API.`,
    identifiers,
    requests,
  };
}
