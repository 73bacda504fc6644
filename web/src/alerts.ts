/**
 * What the banner on every page of an app warns about (issue 17): CleverTap refusing the
 * credentials (sending is paused until they are fixed or it is resumed), and a spike of
 * failed events. Pure, so it is tested without a browser.
 */
import type { StatsAnswer } from './stats.js';
import { integrationStatus } from './integration-status.js';

/** The window the failed-events spike is judged over (the banner asks the stats for it). */
export const SPIKE_WINDOW = '15m';
/** At least this many failed events in the window… */
export const SPIKE_MIN_FAILED = 3;
/** …and at least this share of the events received in it. */
export const SPIKE_MIN_SHARE = 0.1;

export type AppAlert = { kind: 'auth_failed' } | { kind: 'failed_spike'; failed: number; received: number; window: string };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The alerts of one app from its integration settings and its stats over {@link SPIKE_WINDOW}. */
export function appAlerts(settings: Parameters<typeof integrationStatus>[0], stats: StatsAnswer | undefined): AppAlert[] {
  const alerts: AppAlert[] = [];
  if (integrationStatus(settings, stats) === 'auth_failed') alerts.push({ kind: 'auth_failed' });
  if (stats) {
    const failed = num(stats.failed);
    const received = num(stats.received);
    if (failed >= SPIKE_MIN_FAILED && failed >= received * SPIKE_MIN_SHARE) alerts.push({ kind: 'failed_spike', failed, received, window: SPIKE_WINDOW });
  }
  return alerts;
}
