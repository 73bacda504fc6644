/**
 * Claims in a worker thread of their own (SQLite file stores, roles `all` and `worker`). On
 * SQLite a claim is synchronous work on whichever event loop runs it: reading the due records,
 * resolving identities, building each record as sent, marking them in flight (~20 ms per 1000
 * records on a 2-core machine). On the main thread, fifteen free slots after a resume wait for
 * fifteen claims one after the other, and each answer's next request for the claims before it.
 * Here the main thread only starts requests and does their bookkeeping while the next batch
 * is claimed beside it; SQLite's write lock orders the two.
 *
 * A thread that dies is logged and started again; meanwhile claims run on the main thread. A
 * claim it was running either rolled back or committed without its answer arriving: the records
 * it took are found by the claim's time and handed back to pending at once (`releaseClaim`).
 */
import type { AppContext } from '../context.js';
import { RESTART_AFTER_MS, startModuleThread, superviseThread } from '../threads.js';
import { claimBatches, type ClaimAccount, type ClaimedBatch, type ClaimOptions } from './claim-batch.js';
import type { ClaimReply, ClaimRequest, ClaimThreadData } from './claim-thread-main.js';

/** A claim holds at most a few batches (a few MB of records as sent) at a time. */
const THREAD_HEAP_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 };

export interface ClaimThread {
  /** `claimBatches` in the thread (on the main thread while it is down). */
  claim(account: ClaimAccount, opts: ClaimOptions): Promise<ClaimedBatch[]>;
  stop(): Promise<void>;
}

export function startClaimThread(ctx: AppContext): ClaimThread {
  if (ctx.config.database.dialect !== 'sqlite') throw new Error('the claim thread runs on SQLite only');
  const writePriority = ctx.store.sqliteWritePriority;
  if (writePriority === null) throw new Error('the store has no SQLite write priority');
  const data: ClaimThreadData = { path: ctx.config.database.path, writePriority: writePriority.shared, instanceId: ctx.instanceId };
  const log = ctx.logger.child({ thread: 'claims' });
  const waiting = new Map<number, { claimedAt: number; resolve(batches: ClaimedBatch[]): void; reject(err: Error): void }>();
  let nextId = 1;
  let lastClaimedAt = 0;
  let stopping = false;
  const thread = superviseThread({
    start() {
      const worker = startModuleThread(new URL('./claim-thread-main', import.meta.url), data, THREAD_HEAP_LIMITS);
      worker.on('message', (reply: ClaimReply) => {
        const claim = waiting.get(reply.id);
        waiting.delete(reply.id);
        if (!claim) return;
        if ('batches' in reply) claim.resolve(reply.batches);
        else claim.reject(Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }));
      });
      // Claims it was running are refused, and whatever they took goes back to pending: one may
      // have committed before its answer was lost, and the lease renewal would keep its records
      // in flight for as long as this process lives. The loop logs the refusal and claims again.
      worker.once('exit', () => {
        const lost = [...waiting.values()];
        waiting.clear();
        for (const claim of lost) {
          void ctx.store.delivery.records
            .releaseClaim(ctx.instanceId, claim.claimedAt, ctx.clock.now())
            .catch((err: unknown) => log.error({ err }, 'could not hand back the records of a claim the claim thread lost; their lease expires after a restart'))
            .finally(() => claim.reject(new Error('the claim thread exited during a claim')));
        }
      });
      return worker;
    },
    onError: (err) => log.error({ err }, 'the claim thread failed'),
    onExit: (code) => log.error({ code }, `the claim thread exited; claiming on the main thread until it starts again in ${RESTART_AFTER_MS} ms`),
  });

  return {
    claim(account, opts) {
      const worker = thread.current();
      if (worker === null || stopping) return claimBatches(ctx, account, opts);
      // Each claim a time of its own: what a lost claim took is found by it.
      const claimedAt = (lastClaimedAt = Math.max(ctx.clock.now(), lastClaimedAt + 1));
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { claimedAt, resolve, reject });
        // The streams only: the account's credentials stay on the main thread.
        worker.postMessage({ id, account: { streams: account.streams }, opts: { ...opts, claimedAt } } satisfies ClaimRequest);
      });
    },
    async stop() {
      stopping = true;
      await thread.stop();
    },
  };
}
