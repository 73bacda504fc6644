import type { AppContext } from '../context.js';

/**
 * Held records whose `holdFor` passed without a CleverTap ID become `skipped: no_identity`
 * (SPEC §4), and their events' statuses follow. At most `limit` records per call (one
 * transaction); returns how many events changed.
 */
export async function expireHeldRecords(ctx: Pick<AppContext, 'store' | 'clock'>, limit = 1000): Promise<number> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const seqs = await tx.outbox.expireHolds(now, limit);
    if (seqs.length > 0) await tx.outbox.refreshEventStatuses(seqs, now);
    return seqs.length;
  });
}
