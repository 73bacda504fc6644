import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';

/** Share of the demo's anonymous users whose app sets a CleverTap ID (the rest show `held` → `skipped`). */
export const DEMO_IDENTIFIED_SHARE = 0.85;

export interface DemoIdentitiesOptions {
  /** The bridge's base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  appId: string;
  /** The app's SDK key: what a real app ships with and sends in `X-Api-Key`. */
  sdkKey: string;
  /** How often new anonymous users are looked for (default 500 ms). */
  intervalMs?: number;
  /** Share of anonymous users given an ID (default {@link DEMO_IDENTIFIED_SHARE}). */
  share?: number;
}

export interface DemoIdentities {
  /** Anonymous users given a CleverTap ID so far. */
  identified(): number;
  stop(): Promise<void>;
}

/** A stable choice per user, so a restarted demo picks the same people. */
export function isIdentifiedDemoUser(userKey: string, share = DEMO_IDENTIFIED_SHARE): boolean {
  const bucket = createHash('sha256').update(userKey).digest().readUInt16BE(0) / 0x10000;
  return bucket < share;
}

/** The CleverTap ID the demo's app reports for an anonymous user. */
export function demoClevertapId(userKey: string): string {
  return `ct-demo-${createHash('sha256').update(userKey).digest('hex').slice(0, 16)}`;
}

/**
 * Plays the mobile app beside the Purchasely simulator: as soon as an anonymous user appears in
 * the log, most of them (a stable {@link DEMO_IDENTIFIED_SHARE}) get their CleverTap ID set
 * through `PUT …/users/{userKey}/attributes` with the SDK key, as an app does once the CleverTap
 * SDK has started. Their held records are then released at once, so a first look at the demo
 * shows deliveries; the others wait out the hold and are skipped (`no_identity`), which keeps
 * that path visible too.
 */
export function startDemoIdentities(ctx: AppContext, opts: DemoIdentitiesOptions): DemoIdentities {
  const share = opts.share ?? DEMO_IDENTIFIED_SHARE;
  const seen = new Set<string>();
  let afterSeq = 0;
  let identified = 0;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async (): Promise<void> => {
    const rows = await ctx.store.events.anonymousUsersAfter(opts.appId, afterSeq, 500);
    for (const row of rows) {
      afterSeq = Math.max(afterSeq, row.seq);
      const userKey = row.anonymousUserId;
      if (seen.has(userKey) || stopped) continue;
      seen.add(userKey);
      if (!isIdentifiedDemoUser(userKey, share)) continue;
      const res = await fetch(`${opts.baseUrl}/api/v1/apps/${encodeURIComponent(opts.appId)}/users/${encodeURIComponent(userKey)}/attributes`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-api-key': opts.sdkKey },
        body: JSON.stringify({ clevertap_id: demoClevertapId(userKey) }),
      });
      if (res.ok) identified += 1;
      else ctx.logger.warn({ status: res.status, userKey }, 'demo: setting a CleverTap ID failed');
    }
  };

  const timer = setInterval(() => {
    running = running.then(tick).catch((err: unknown) => {
      if (!stopped) ctx.logger.warn({ err }, 'demo: looking for anonymous users failed');
    });
  }, opts.intervalMs ?? 500);

  return {
    identified: () => identified,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
