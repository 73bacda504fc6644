/**
 * What pcbridge knows of one user's CleverTap profile, shared by the view
 * (`GET …/clevertap-profile`) and the resend (`POST …/resend-profile`): which stored state
 * (environment) is meant, which account its records go to, the ids its records carry, and the
 * profile the snapshot states.
 */
import type { Identifier, ProfileValue } from '../clevertap/types.js';
import { AppError } from '../errors.js';
import { resolveIdentifier } from '../identity/resolve-identifier.js';
import type { RecordTarget } from '../mapping/index.js';
import { toProfileData } from '../mapping/index.js';
import type { RecordUserIds } from '../processing/record-identity.js';
import type { IntegrationSettings } from '../settings/index.js';
import type { UserState } from '../state/index.js';
import type { AttributesRepo } from '../store/repos/attributes-repo.js';
import type { UserProfileRepo, UserSnapshotRow } from '../store/repos/user-profile-repo.js';

/**
 * The user's state in `environment` (exact; `''` for events that named none), or by default the
 * production one: a state whose environment is not SANDBOX (PRODUCTION first), else the SANDBOX
 * one. 404 when the user has no state (in that environment).
 */
export function pickSnapshot(rows: readonly UserSnapshotRow[], userKey: string, environment: string | undefined): UserSnapshotRow {
  const found =
    environment !== undefined
      ? rows.find((r) => r.environment === environment)
      : (rows.find((r) => r.environment === 'PRODUCTION') ?? rows.find((r) => r.environment.toUpperCase() !== 'SANDBOX') ?? rows[0]);
  if (found === undefined) {
    const where = environment !== undefined ? ` in environment "${environment}"` : '';
    throw new AppError('not_found', `pcbridge holds no state for user ${userKey}${where}: no event of theirs was processed.`);
  }
  return found;
}

/** The account a state's records go to (as `planEvent` chooses it), or null when SANDBOX events are skipped. */
export function targetOf(environment: string, settings: Pick<IntegrationSettings, 'sandbox'>): RecordTarget | null {
  if (environment.toUpperCase() !== 'SANDBOX') return 'main';
  if (settings.sandbox === 'skip') return null;
  return settings.sandbox === 'sandbox_account' ? 'sandbox' : 'main';
}

/**
 * The `user_id` and `anonymous_user_id` a new record of the user carries: those of the user's
 * latest record (what processing last wrote), else those of the state, else the key itself as
 * whichever kind the app's events show it as.
 */
export async function userIdsFor(repo: UserProfileRepo, appId: string, userKey: string, row: UserSnapshotRow): Promise<RecordUserIds> {
  const latest = await repo.latestRecordIds(appId, userKey, row.environment);
  if (latest !== null && (latest.userId !== null || latest.anonymousUserId !== null)) return latest;
  const state = row.state as Partial<UserState> | null;
  const userId = state?.userId?.value ?? null;
  const anonymousUserId = state?.anonymousUserId?.value ?? null;
  if (userId !== null || anonymousUserId !== null) return { userId, anonymousUserId };
  return (await repo.seenAsUserId(appId, userKey)) ? { userId: userKey, anonymousUserId: null } : { userId: null, anonymousUserId: userKey };
}

/** The identifier a record with these ids would be sent with now, or null (SPEC §4 "Identity"). */
export async function identifierFor(
  attributes: AttributesRepo,
  appId: string,
  ids: RecordUserIds,
  settings: Pick<IntegrationSettings, 'identity'>,
): Promise<{ identifier: Identifier | null; clevertapIds: Map<string, string> }> {
  const clevertapIds = await attributes.getClevertapIds(
    appId,
    [ids.userId, ids.anonymousUserId].filter((k): k is string => k !== null),
  );
  const identifier = resolveIdentifier({
    mode: settings.identity.mode,
    userId: ids.userId,
    anonymousUserId: ids.anonymousUserId,
    clevertapIdForUserId: ids.userId === null ? null : (clevertapIds.get(ids.userId) ?? null),
    clevertapIdForAnonymousId: ids.anonymousUserId === null ? null : (clevertapIds.get(ids.anonymousUserId) ?? null),
  });
  return { identifier, clevertapIds };
}

/** The whole profile a record states for the snapshot: values, `false` booleans and `$delete` removals. */
export function snapshotProfileData(row: UserSnapshotRow, settings: Pick<IntegrationSettings, 'userProperties'>): Record<string, ProfileValue> {
  return toProfileData(row.properties, settings);
}

/** True when at least one user property is enabled (else a profile record would be empty). */
export function hasEnabledProperty(settings: Pick<IntegrationSettings, 'userProperties'>): boolean {
  return Object.values(settings.userProperties).some((e) => e.enabled);
}
