/**
 * `GET /apps/{appId}/users/{userKey}/clevertap-profile` (issue 14 "What CleverTap holds"):
 * pcbridge's view of a user's profile beside what CleverTap's Get User Profile API answers, and
 * the managed properties on which they differ. Reads only; one call to CleverTap.
 */
import type { ProfileClient } from '../clevertap/profile-client.js';
import type { Identifier } from '../clevertap/types.js';
import { requireApp } from '../apps/apps-service.js';
import type { AppContext } from '../context.js';
import { loadIntegration, resolveIntegrationAccounts } from '../settings/load-integration.js';
import type { RecordTarget } from '../mapping/index.js';
import { compareProfiles, presentProperties, type ProfileDifference } from './compare-profiles.js';
import { identifierFor, pickSnapshot, snapshotProfileData, targetOf, userIdsFor } from './user-profile.js';

/** How asking CleverTap went. */
export type ProfileLookupStatus = 'found' | 'not_found' | 'not_asked' | 'auth_failed' | 'error';

/** A profile record of the user's not delivered yet. */
export interface PendingProfileRecord {
  id: number;
  eventId: string;
  state: string;
  attempts: number;
  createdAt: string;
  holdUntil: string | null;
  lastMessage: string | null;
}

/** The answer of the view (see docs/preview-and-profiles.md). */
export interface ProfileView {
  userKey: string;
  /** The state's environment (`PRODUCTION`, `SANDBOX`, or null when the events named none). */
  environment: string | null;
  /** The account the user's records go to; null when SANDBOX events are skipped. */
  account: RecordTarget | null;
  /** What a record of the user would be sent with now; null while the user has none. */
  identifier: Identifier | null;
  /** True while CleverTap may not hold the snapshot (the user's last profile record failed or was skipped). */
  stale: boolean;
  /** The enabled properties of the current state under their CleverTap names; a property without value is absent, booleans false, dates `$D_…`. */
  snapshot: Record<string, unknown>;
  /** The profile of the user's latest delivered profile record (what CleverTap last accepted from pcbridge); null when none was delivered. */
  lastDelivered: Record<string, unknown> | null;
  lastDeliveredAt: string | null;
  /** Profile records held, pending or in flight, oldest first (at most 100). */
  pendingRecords: PendingProfileRecord[];
  /** `profileData` of CleverTap's answer; null when not found or not asked. */
  clevertap: Record<string, unknown> | null;
  lookup: { status: ProfileLookupStatus; message: string };
  /** Managed properties whose values differ (dates compared as epoch seconds); empty unless CleverTap answered. */
  differences: ProfileDifference[];
  /** True when CleverTap answered and no managed property differs. */
  equal: boolean;
}

const MAX_PENDING_LISTED = 100;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Builds the view; `environment` picks a state other than the production one. */
export async function readProfileView(ctx: AppContext, client: ProfileClient, appId: string, userKey: string, opts: { environment?: string } = {}): Promise<ProfileView> {
  await requireApp(ctx, appId);
  const repo = ctx.store.userProfiles;
  const row = pickSnapshot(await repo.snapshots(appId, userKey), userKey, opts.environment);
  const integration = await loadIntegration(ctx.store, appId);
  const { settings } = integration;
  const account = targetOf(row.environment, settings);
  const snapshot = presentProperties(snapshotProfileData(row, settings));
  const ids = await userIdsFor(repo, appId, userKey, row);
  const { identifier } = await identifierFor(ctx.store.attributes, appId, ids, settings);

  const stream = { appId, userKey, environment: row.environment, target: account ?? 'main' };
  const delivered = account === null ? null : await repo.latestDeliveredProfile(stream);
  const lastDelivered = delivered === null ? null : presentProperties((delivered.body as { profileData?: Record<string, unknown> }).profileData ?? {});
  const pending = account === null ? [] : await repo.openProfileRecords(stream, MAX_PENDING_LISTED);

  const view: ProfileView = {
    userKey,
    environment: row.environment === '' ? null : row.environment,
    account,
    identifier,
    stale: row.stale,
    snapshot,
    lastDelivered,
    lastDeliveredAt: iso(delivered?.deliveredAt ?? null),
    pendingRecords: pending.map((r) => ({ ...r, createdAt: iso(r.createdAt) as string, holdUntil: iso(r.holdUntil) })),
    clevertap: null,
    lookup: { status: 'not_asked', message: '' },
    differences: [],
    equal: false,
  };

  const accounts = resolveIntegrationAccounts(ctx.secrets, integration);
  const credentials = account === null ? null : accounts[account];
  if (account === null) {
    view.lookup.message = 'SANDBOX events of this app are not sent to CleverTap (sandbox: skip): there is no CleverTap profile to compare.';
  } else if (credentials === null) {
    view.lookup.message = `No account ID or passcode is saved for the ${account} account: CleverTap was not asked.`;
  } else if (identifier === null) {
    view.lookup.message = 'The user has no CleverTap identifier yet (no CleverTap ID set, and no user_id the identity mode may use): CleverTap was not asked.';
  } else {
    const answer = await client.getProfile(credentials, identifier);
    if (answer.kind === 'found') {
      view.clevertap = answer.profileData;
      view.lookup = { status: 'found', message: 'CleverTap answered with the profile.' };
    } else if (answer.kind === 'not_found') {
      view.lookup = { status: 'not_found', message: 'CleverTap holds no profile under this identifier.' };
    } else {
      view.lookup = { status: answer.kind, message: answer.message };
    }
    if (answer.kind === 'found' || answer.kind === 'not_found') {
      view.differences = compareProfiles(settings, snapshot, view.clevertap ?? {});
      view.equal = view.differences.length === 0;
    }
  }
  return view;
}
