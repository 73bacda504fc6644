/**
 * `pcbridge reconcile` (issue 14): compares many users' profiles with what CleverTap holds, at a
 * bounded rate, with the profile view's own rules (src/profiles), and with `fix` resends the
 * profiles that differ and waits until they are delivered and CleverTap agrees.
 */
import type { ProfileClient } from '../clevertap/profile-client.js';
import { requireApp } from '../apps/apps-service.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { createRateLimiter } from '../import/rate-limiter.js';
import { loadIntegration, resolveIntegrationAccounts } from '../settings/load-integration.js';
import { readProfileView, type ProfileView } from '../profiles/profile-view.js';
import { resendProfile } from '../profiles/resend-profile.js';
import { hasEnabledProperty, targetOf } from '../profiles/user-profile.js';
import type { ReconcileRepo, UserStateKey } from '../store/repos/reconcile-repo.js';

/** Which users: a random sample, or every state of the app. */
export type ReconcileSelection = { kind: 'sample'; size: number } | { kind: 'all' };

export interface ReconcileOptions {
  appId: string;
  selection: ReconcileSelection;
  /** Get User Profile calls per second at most. */
  ratePerSecond: number;
  /** Resend the profiles that differ (or that CleverTap lacks) and wait for them. */
  fix: boolean;
  /** How long `fix` waits for delivery and CleverTap's agreement, in ms. */
  waitMs: number;
  /** Called about once a second, and once at the end of each phase. */
  onProgress?: (progress: ReconcileProgress) => void;
  /** Pause between looks at the resent records (default 500 ms). */
  pollMs?: number;
}

/** Counts so far (the categories partition `checked`). */
export interface ReconcileCounts {
  checked: number;
  equal: number;
  differing: number;
  missing: number;
  unaddressable: number;
  errors: number;
}

export type ReconcileProgress =
  ({ phase: 'compare' } & ReconcileCounts) | { phase: 'deliver'; resent: number; delivered: number; failed: number } | { phase: 'verify'; delivered: number; equal: number };

/** A user whose comparison or fix went wrong, and why. */
export interface ReconcileProblem {
  userKey: string;
  environment: string;
  message: string;
}

export interface ReconcileFixResult {
  /** Profiles queued (one record each). */
  resent: number;
  /** Users whose profile could not be queued (e.g. identity mode and an anonymous user). */
  notResent: ReconcileProblem[];
  /** Resent records delivered before the wait ended. */
  delivered: number;
  /** Resent records that ended failed or skipped, with delivery's last message. */
  failed: ReconcileProblem[];
  /** Resent records still held, pending or in flight when the wait ended. */
  undelivered: number;
  /** Delivered, and CleverTap's profile then equal to the snapshot. */
  fixed: number;
  /** Delivered, but CleverTap still differed (or could not be asked) when the wait ended. */
  stillDiffering: ReconcileProblem[];
}

export interface ReconcileSummary extends ReconcileCounts {
  appId: string;
  selection: ReconcileSelection;
  /** SANDBOX states of an app that skips SANDBOX events: nothing of theirs goes to CleverTap. */
  notCompared: number;
  /** Of `differing` and `missing`: users with profile records not delivered yet (the difference may be on its way). */
  withOpenRecords: number;
  /** Managed properties that differed, by how many `differing` users, most frequent first. */
  properties: { property: string; users: number }[];
  /** The first few errors (comparison). */
  problems: ReconcileProblem[];
  /** Set when CleverTap refused the account ID and passcode: the comparison stopped there. */
  stoppedBecause: string | null;
  fix: ReconcileFixResult | null;
  /** True when every user compared is equal, or was fixed (delivered and then equal), and nothing failed. */
  ok: boolean;
}

/** States read per page when walking them all. */
const PAGE_SIZE = 500;
/** Problems kept for the report. */
const MAX_PROBLEMS = 20;
/** Get User Profile calls in flight at once, at most. */
const MAX_CONCURRENCY = 8;

interface Outcome {
  key: UserStateKey;
  view: ProfileView;
}

/**
 * Runs the comparison (and with `fix`, the repair). Throws AppError `not_found` for an unknown
 * app, `conflict` when nothing can be compared or fixed (no credentials saved, integration
 * disabled with `fix`).
 */
export async function reconcileProfiles(ctx: AppContext, client: ProfileClient, opts: ReconcileOptions): Promise<ReconcileSummary> {
  const { appId } = opts;
  await requireApp(ctx, appId);
  const integration = await loadIntegration(ctx.store, appId);
  const { settings } = integration;
  const accounts = resolveIntegrationAccounts(ctx.secrets, integration);
  if (accounts.main === null && accounts.sandbox === null) {
    throw new AppError('conflict', `No CleverTap account ID or passcode is saved for app ${appId}: there is nothing to compare with.`);
  }
  if (opts.fix && !settings.enabled) {
    throw new AppError('conflict', `The CleverTap integration of app ${appId} is disabled: nothing can be resent (enable it, or run without --fix).`);
  }
  if (opts.fix && !hasEnabledProperty(settings)) {
    throw new AppError('conflict', `No user property is enabled for app ${appId}: there is no profile to resend.`);
  }

  const repo = ctx.store.reconcile;
  const limiter = createRateLimiter({ perSecond: opts.ratePerSecond });
  // Only calls to CleverTap are paced: users without an identifier cost no call.
  const paced: ProfileClient = {
    ...client,
    async getProfile(account, identifier) {
      await limiter.take(1);
      return client.getProfile(account, identifier);
    },
  };

  const summary: ReconcileSummary = {
    appId,
    selection: opts.selection,
    checked: 0,
    equal: 0,
    differing: 0,
    missing: 0,
    unaddressable: 0,
    errors: 0,
    notCompared: 0,
    withOpenRecords: 0,
    properties: [],
    problems: [],
    stoppedBecause: null,
    fix: null,
    ok: false,
  };
  const propertyCounts = new Map<string, number>();
  const toFix: UserStateKey[] = [];
  const progress = createProgress(opts.onProgress);
  const counts = (): ReconcileProgress => ({
    phase: 'compare',
    checked: summary.checked,
    equal: summary.equal,
    differing: summary.differing,
    missing: summary.missing,
    unaddressable: summary.unaddressable,
    errors: summary.errors,
  });

  const keys = selectStates(repo, appId, opts.selection);
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.ceil(opts.ratePerSecond)));
  const worker = async (): Promise<void> => {
    while (summary.stoppedBecause === null) {
      const next = await keys.next();
      if (next.done) return;
      const key = next.value;
      if (targetOf(key.environment, settings) === null) {
        summary.notCompared += 1;
        continue;
      }
      let view: ProfileView;
      try {
        view = await readProfileView(ctx, paced, appId, key.userKey, { environment: key.environment });
      } catch (err) {
        // A user erased meanwhile is simply gone; anything else is an error of this user.
        if (err instanceof AppError && err.code === 'not_found') continue;
        summary.checked += 1;
        summary.errors += 1;
        addProblem(summary.problems, key, (err as Error).message);
        continue;
      }
      summary.checked += 1;
      classify({ key, view });
      progress.tick(counts);
    }
  };

  function classify({ key, view }: Outcome): void {
    const open = view.pendingRecords.length > 0;
    if (view.identifier === null) {
      summary.unaddressable += 1;
    } else if (view.lookup.status === 'found' || view.lookup.status === 'not_found') {
      if (view.equal) {
        summary.equal += 1;
        return;
      }
      if (view.lookup.status === 'found') {
        summary.differing += 1;
        for (const d of view.differences) propertyCounts.set(d.property, (propertyCounts.get(d.property) ?? 0) + 1);
      } else {
        summary.missing += 1;
      }
      if (open) summary.withOpenRecords += 1;
      toFix.push(key);
    } else {
      summary.errors += 1;
      addProblem(summary.problems, key, view.lookup.message);
      // Wrong credentials fail every call alike: stop asking.
      if (view.lookup.status === 'auth_failed') summary.stoppedBecause = view.lookup.message;
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  progress.done(counts);
  summary.properties = [...propertyCounts.entries()].map(([property, users]) => ({ property, users })).sort((a, b) => b.users - a.users || a.property.localeCompare(b.property));

  if (opts.fix && toFix.length > 0 && summary.stoppedBecause === null) {
    summary.fix = await fixProfiles(ctx, paced, repo, appId, toFix, opts);
  }
  const allCompared = summary.errors === 0 && summary.stoppedBecause === null;
  const repaired = summary.fix !== null && summary.fix.fixed === summary.differing + summary.missing;
  summary.ok = allCompared && (summary.differing + summary.missing === 0 || repaired);
  return summary;
}

/** The states to compare, one at a time (several workers share the iterator). */
async function* selectStates(repo: ReconcileRepo, appId: string, selection: ReconcileSelection): AsyncGenerator<UserStateKey> {
  if (selection.kind === 'sample') {
    yield* await repo.sampleUserStates(appId, selection.size);
    return;
  }
  let after: UserStateKey | null = null;
  for (;;) {
    const page = await repo.userStatesAfter(appId, after, PAGE_SIZE);
    yield* page;
    if (page.length < PAGE_SIZE) return;
    after = page[page.length - 1]!;
  }
}

/**
 * Resends each user's whole profile (through the outbox, in order with the user's records),
 * waits until delivery has sent them, then asks CleverTap again until it agrees or the wait ends.
 * Delivery is a running server's work (`pcbridge serve`, role all or worker): this only watches.
 */
async function fixProfiles(ctx: AppContext, client: ProfileClient, repo: ReconcileRepo, appId: string, users: UserStateKey[], opts: ReconcileOptions): Promise<ReconcileFixResult> {
  const deadline = Date.now() + opts.waitMs;
  const pollMs = opts.pollMs ?? 500;
  const progress = createProgress(opts.onProgress);
  const result: ReconcileFixResult = { resent: 0, notResent: [], delivered: 0, failed: [], undelivered: 0, fixed: 0, stillDiffering: [] };
  const byRecord = new Map<number, UserStateKey>();
  for (const key of users) {
    try {
      const { recordId } = await resendProfile(ctx, appId, key.userKey, { environment: key.environment });
      byRecord.set(recordId, key);
      result.resent += 1;
    } catch (err) {
      addProblem(result.notResent, key, (err as Error).message, Infinity);
    }
  }

  // Delivery.
  let open = [...byRecord.keys()];
  const delivered: UserStateKey[] = [];
  const deliverProgress = (): ReconcileProgress => ({ phase: 'deliver', resent: result.resent, delivered: result.delivered, failed: result.failed.length });
  while (open.length > 0) {
    const stillOpen: number[] = [];
    for (const r of await repo.recordProgress(open)) {
      const key = byRecord.get(r.id)!;
      if (r.state === 'delivered') {
        result.delivered += 1;
        delivered.push(key);
      } else if (r.state === 'failed' || r.state === 'skipped') {
        addProblem(result.failed, key, `record ${r.id} ${r.state}${r.lastMessage ? `: ${r.lastMessage}` : ''}`, Infinity);
      } else {
        stillOpen.push(r.id);
      }
    }
    // A record gone (the user erased meanwhile) is in none of the lists: no longer anyone's business.
    open = stillOpen;
    progress.tick(deliverProgress);
    if (open.length === 0 || Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  result.undelivered = open.length;
  progress.done(deliverProgress);

  // CleverTap's agreement: asked again (paced) until equal or the wait ends.
  let pending = delivered;
  const verifyProgress = (): ReconcileProgress => ({ phase: 'verify', delivered: result.delivered, equal: result.fixed });
  const lastMessage = new Map<UserStateKey, string>();
  while (pending.length > 0) {
    const again: UserStateKey[] = [];
    for (const key of pending) {
      let message: string;
      try {
        const view = await readProfileView(ctx, client, appId, key.userKey, { environment: key.environment });
        if (view.equal) {
          result.fixed += 1;
          continue;
        }
        message =
          view.lookup.status === 'found' || view.lookup.status === 'not_found'
            ? `CleverTap still differs on ${view.differences.map((d) => d.property).join(', ')}`
            : view.lookup.message;
      } catch (err) {
        message = (err as Error).message;
      }
      lastMessage.set(key, message);
      again.push(key);
    }
    pending = again;
    progress.tick(verifyProgress);
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
  for (const key of pending) addProblem(result.stillDiffering, key, lastMessage.get(key) ?? 'not equal', Infinity);
  progress.done(verifyProgress);
  return result;
}

function addProblem(list: ReconcileProblem[], key: UserStateKey, message: string, max = MAX_PROBLEMS): void {
  if (list.length < max) list.push({ userKey: key.userKey, environment: key.environment, message });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Progress at most once a second, and always once at the end. */
function createProgress(report: ((p: ReconcileProgress) => void) | undefined): { tick(p: () => ReconcileProgress): void; done(p: () => ReconcileProgress): void } {
  let last = Date.now();
  return {
    tick(p) {
      if (!report || Date.now() - last < 1000) return;
      last = Date.now();
      report(p());
    },
    done(p) {
      report?.(p());
    },
  };
}
