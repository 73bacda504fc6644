import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { isValidClevertapId } from './clevertap-id.js';

type Ctx = Pick<AppContext, 'store' | 'clock'>;

/** What setting a CleverTap ID did. */
export interface SetClevertapIdResult {
  clevertapId: string;
  /** Events whose held records became pending. */
  releasedEvents: number;
}

/**
 * Sets the CleverTap ID of a user key (`user_id` or `anonymous_user_id`) and, in the same
 * transaction, releases the user's held records (held → pending, due now, in their original
 * order) and updates their events' statuses. Throws `validation_failed` for an invalid ID.
 *
 * It takes the processing lock first (waiting for a running batch), so a batch cannot hold a
 * record on the strength of a CleverTap ID lookup made just before this commit.
 */
export async function setClevertapId(ctx: Ctx, appId: string, userKey: string, clevertapId: unknown): Promise<SetClevertapIdResult> {
  if (!isValidClevertapId(clevertapId)) {
    throw new AppError('validation_failed', 'The CleverTap ID must be 1–64 printable characters without spaces.', [
      { path: '/clevertap_id', message: 'must be 1–64 printable characters without spaces' },
    ]);
  }
  const now = ctx.clock.now();
  const result = await ctx.store.transaction(async (tx) => {
    await tx.processing.lockProcessing();
    await tx.attributes.setClevertapId(appId, userKey, clevertapId, now);
    const seqs = await tx.outbox.releaseHeld(appId, userKey, now);
    if (seqs.length > 0) await tx.outbox.refreshEventStatuses(seqs, now);
    return { clevertapId, releasedEvents: seqs.length };
  });
  // Released records are pending now: delivery sends them at once.
  if (result.releasedEvents > 0) ctx.store.delivery.wake();
  return result;
}

/** The CleverTap ID set for a user key, or null. */
export async function getClevertapId(ctx: Ctx, appId: string, userKey: string): Promise<string | null> {
  return ctx.store.attributes.getClevertapId(appId, userKey);
}

/**
 * Forgets a user key's CleverTap ID; false when it had none. Records already pending keep
 * waiting for delivery, which resolves their identity again when it sends them.
 */
export async function deleteClevertapId(ctx: Ctx, appId: string, userKey: string): Promise<boolean> {
  return ctx.store.transaction((tx) => tx.attributes.deleteClevertapId(appId, userKey));
}
