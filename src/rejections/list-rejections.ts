import { requireApp } from '../apps/apps-service.js';
import type { AppContext } from '../context.js';
import { UNKNOWN_APP_BUCKET } from '../store/repos/rejections-repo.js';
import { REJECTION_REASONS, type RejectionReason } from '../contract/rejection-reasons.js';

/** One refused request as the API shows it. */
export interface RejectionItem {
  at: string;
  source: string;
  reason: RejectionReason;
  skewSeconds: number | null;
  size: number;
  appId: string;
}

/** `GET …/rejections`: the newest first, and how many of each reason the last 24 hours kept. */
export interface RejectionList {
  items: RejectionItem[];
  /** Every reason, with the count of kept refusals of the last 24 h (0 when none). */
  summary: Record<RejectionReason, number>;
}

/** The window of `summary`. */
export const SUMMARY_WINDOW_MS = 24 * 3_600_000;

/** The refusals of one app (404 `not_found` when there is no such app). */
export async function listAppRejections(ctx: AppContext, appId: string, limit: number): Promise<RejectionList> {
  await requireApp(ctx, appId);
  return listBucket(ctx, appId, limit);
}

/** The refusals of requests to app ids that do not exist, all together. */
export function listUnknownAppRejections(ctx: AppContext, limit: number): Promise<RejectionList> {
  return listBucket(ctx, UNKNOWN_APP_BUCKET, limit);
}

async function listBucket(ctx: AppContext, bucket: string, limit: number): Promise<RejectionList> {
  const repo = ctx.store.rejections;
  const [rows, counts] = await Promise.all([repo.list(bucket, limit), repo.countByReason(bucket, ctx.clock.now() - SUMMARY_WINDOW_MS)]);
  const summary = Object.fromEntries(REJECTION_REASONS.map((r) => [r, counts[r] ?? 0])) as Record<RejectionReason, number>;
  return {
    items: rows.map((r) => ({
      at: new Date(r.at).toISOString(),
      source: r.source,
      reason: r.reason as RejectionReason,
      skewSeconds: r.skewSeconds,
      size: r.size,
      appId: r.appId,
    })),
    summary,
  };
}
