/**
 * `POST /apps/{appId}/users/{userKey}/resend-profile` (issue 14): queues one profile record
 * stating the user's whole current snapshot (values, `false` booleans and `$delete` removals)
 * through the normal outbox, so delivery sends it in order with the user's other records and
 * CleverTap's profile equals the snapshot once it accepts it.
 */
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { loadIntegration } from '../settings/load-integration.js';
import { holdForMs } from '../processing/integration-settings.js';
import { initialRecordState } from '../processing/record-identity.js';
import type { NewRecord, NewRecordState } from '../store/repos/outbox-repo.js';
import { identifierFor, hasEnabledProperty, pickSnapshot, snapshotProfileData, targetOf, userIdsFor } from './user-profile.js';

/**
 * `records.event_id` of a resent profile record. Such a record belongs to no event: its
 * `event_seq` is minus its own id (no event has a negative seq), so no event's status or log
 * changes with it, and delivery's per-event upkeep reads it alone.
 */
export const RESEND_EVENT_ID = 'pcbridge:resend-profile';

export interface ResendProfileResult {
  requeued: 1;
  recordId: number;
  /** `pending`, or `held` while the user has no CleverTap identifier. */
  state: NewRecordState;
}

/**
 * Writes the record in one transaction under the processing lock, so that a batch running now
 * cannot interleave (a record made from a snapshot read before the batch's commit would land
 * after the batch's own profile record and undo it). The user's stale mark is cleared: this
 * record states the whole snapshot, like a processed event's. 409 `conflict` when nothing can
 * be sent: integration disabled, SANDBOX events skipped, no property enabled, or identity mode
 * with an anonymous user.
 */
export async function resendProfile(ctx: AppContext, appId: string, userKey: string, opts: { environment?: string } = {}): Promise<ResendProfileResult> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    await tx.processing.lockProcessing();
    if (!(await tx.apps.get(appId))) throw new AppError('not_found', `No app with id ${appId}.`);
    const repo = tx.userProfiles;
    const row = pickSnapshot(await repo.snapshots(appId, userKey), userKey, opts.environment);
    const { settings } = await loadIntegration(tx, appId);
    if (!settings.enabled) throw new AppError('conflict', 'The CleverTap integration of this app is disabled: enable it before resending a profile.');
    if (!hasEnabledProperty(settings)) throw new AppError('conflict', 'No user property is enabled: a profile record would be empty.');
    const target = targetOf(row.environment, settings);
    if (target === null) throw new AppError('conflict', 'SANDBOX events of this app are not sent to CleverTap (sandbox: skip): there is no CleverTap profile to resend.');

    const ids = await userIdsFor(repo, appId, userKey, row);
    const { clevertapIds } = await identifierFor(tx.attributes, appId, ids, settings);
    const initial = initialRecordState(ids, (key) => clevertapIds.get(key) ?? null, settings, now, holdForMs(settings));
    if (initial.state === 'skipped') {
      throw new AppError('conflict', 'The identity mode is "identity" and this user has no user_id: CleverTap cannot be told whose profile it is.');
    }
    const record: NewRecord = {
      appId,
      eventSeq: 0, // set to -id below
      eventId: RESEND_EVENT_ID,
      userKey,
      ...ids,
      environment: row.environment === '' ? null : row.environment,
      target,
      kind: 'profile',
      body: { type: 'profile', profileData: snapshotProfileData(row, settings), ts: Math.floor(now / 1000) },
      ...initial,
      generation: 1,
    };
    await tx.outbox.insertRecords([record], now);
    await repo.clearProfileStale(appId, row.environment, userKey);
    // Under the processing lock nothing else adds records of this user: the newest is ours.
    const recordId = (await repo.lastRecordId(appId, userKey)) as number;
    await repo.detachFromEvents(recordId);
    ctx.logger.info({ appId, state: initial.state }, 'profile resent');
    return { requeued: 1 as const, recordId, state: initial.state };
  });
}
