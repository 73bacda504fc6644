/**
 * The engine's upkeep, run by the loop before it dispatches: accounts and their shared state
 * re-read (a credential change lifts a pause), leases of records and slots renewed while this
 * instance lives, expired leases reclaimed (and, on SQLite, those of dead local instances),
 * failed batches handed back, and the credential probes of paused accounts.
 */
import { loadDeliveryAccounts } from './account-directory.js';
import { createAccountRuntime, type AccountRuntime } from './account-runtime.js';
import type { ClaimedBatch } from './claim-batch.js';
import { isDeadLocalOwner } from './dead-local-owners.js';
import type { DeliveryEngine } from './engine.js';
import { PROBE_INTERVAL_MS } from './send-batch.js';

/** Reclaims run this often (any instance returns expired leases to pending). */
const RECLAIM_EVERY_MS = 1_000;

export async function housekeeping(engine: DeliveryEngine, now: number): Promise<void> {
  const { ctx, tuning, times } = engine;
  if (now - times.lastRefresh >= tuning.refreshMs) {
    times.lastRefresh = now;
    await refreshAccounts(engine, now);
  }
  if (now - times.lastRenew >= tuning.leaseMs / 4) {
    times.lastRenew = now;
    // Only leases with less than three quarters left: a record claimed since the last renewal
    // keeps its own (each renewal of a record rewrites it and its index entry, ~200 ms for
    // 30,000 records in flight and claimed ahead at concurrency 15, with the write lock held).
    // Renewed every quarter, no lease has less than half left.
    await ctx.store.delivery.records.renewLeases(ctx.instanceId, now + tuning.leaseMs, now + (tuning.leaseMs * 3) / 4);
    await ctx.store.delivery.accounts.renewSlots(ctx.instanceId, now + tuning.leaseMs);
  }
  while (engine.orphans.length > 0) {
    await unclaim(engine, engine.orphans[0]!);
    engine.orphans.shift();
  }
  if (now - times.lastReclaim >= RECLAIM_EVERY_MS) {
    times.lastReclaim = now;
    let reclaimed = await ctx.store.delivery.records.reclaimExpired(now);
    if (ctx.store.dialect === 'sqlite') reclaimed += await reclaimDeadLocalOwners(engine, now);
    if (reclaimed > 0) engine.log.info({ records: reclaimed }, 'reclaimed records whose lease ran out (an instance stopped mid-request); they go out again');
  }
}

/** Re-reads the accounts the integrations send to and their shared state. */
async function refreshAccounts(engine: DeliveryEngine, now: number): Promise<void> {
  const { ctx, accounts } = engine;
  const repo = ctx.store.delivery.accounts;
  const directory = await loadDeliveryAccounts(ctx);
  for (const key of directory.keys()) {
    if (!engine.knownAccountKeys.has(key)) {
      await repo.ensure(key, now);
      engine.knownAccountKeys.add(key);
    }
  }
  const states = new Map((await repo.list()).map((s) => [s.accountKey, s]));
  for (const [key, info] of directory) {
    let runtime = accounts.get(key);
    if (!runtime) accounts.set(key, (runtime = createAccountRuntime(info)));
    runtime.info = info;
    let state = states.get(key) ?? null;
    if (state?.authState === 'auth_failed' && state.credentialsDigest !== info.credentialsDigest) {
      // New credentials since the refusal: try them.
      await repo.markAuthOk(key, now);
      engine.log.info({ account: key }, 'CleverTap credentials changed: delivery resumes');
      state = await repo.get(key);
    }
    if (runtime.state?.authState === 'auth_failed' && state?.authState !== 'auth_failed') runtime.idleUntil = 0;
    runtime.state = state;
  }
  for (const [key, runtime] of [...accounts]) {
    if (!directory.has(key) && runtime.inFlight === 0 && runtime.ready.length === 0) accounts.delete(key);
  }
}

/** SQLite: records and slots of instances of this host that died go back at once (see dead-local-owners.ts). */
async function reclaimDeadLocalOwners(engine: DeliveryEngine, now: number): Promise<number> {
  const { ctx } = engine;
  let reclaimed = 0;
  for (const owner of await ctx.store.delivery.records.leaseOwners()) {
    if (isDeadLocalOwner(owner, ctx.instanceId)) reclaimed += await ctx.store.delivery.records.reclaimOwner(owner, now);
  }
  for (const holder of await ctx.store.delivery.accounts.slotHolders(now)) {
    if (isDeadLocalOwner(holder, ctx.instanceId)) await ctx.store.delivery.accounts.releaseHolder(holder);
  }
  return reclaimed;
}

/** Checks a paused account's credentials when its probe is due (one instance at a time). */
export function probe(engine: DeliveryEngine, runtime: AccountRuntime, now: number): void {
  const { ctx } = engine;
  if (runtime.probing || runtime.state?.nextProbeAt == null || runtime.state.nextProbeAt > now) return;
  runtime.probing = true;
  void (async () => {
    const repo = ctx.store.delivery.accounts;
    if (!(await repo.claimProbe(runtime.info.key, now, now + PROBE_INTERVAL_MS))) return;
    const check = await engine.client.checkCredentials(runtime.info.account);
    if (check.ok && (await repo.markAuthOk(runtime.info.key, ctx.clock.now()))) {
      engine.log.info({ account: runtime.info.key }, 'CleverTap accepted the credentials again: delivery resumes');
      ctx.store.delivery.wake('accounts');
    }
  })()
    .catch((err: unknown) => engine.log.error({ account: runtime.info.key, err: (err as Error).message }, 'credential probe failed'))
    .finally(() => {
      runtime.probing = false;
    });
}

/** Sends records claimed but not sent back to pending (stop, pause), so no lease has to run out. */
export async function unclaim(engine: DeliveryEngine, batch: ClaimedBatch): Promise<void> {
  const { ctx } = engine;
  await ctx.store.delivery.records.updateInFlight(
    { ids: batch.records.map((r) => r.id), set: { state: 'pending', lease_owner: null, lease_until: null, updated_at: ctx.clock.now() } },
    ctx.instanceId,
  );
}

/** Hands every batch claimed ahead for the account back to pending. */
export async function releaseReady(engine: DeliveryEngine, runtime: AccountRuntime): Promise<void> {
  while (runtime.ready.length > 0) {
    const ready = runtime.ready.shift()!;
    try {
      await unclaim(engine, ready.batch);
    } catch (err) {
      engine.orphans.push(ready.batch);
      throw err;
    }
  }
}
