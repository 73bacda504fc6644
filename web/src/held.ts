/**
 * Why an event is `held`, in plain words (issue 17): its records wait for the user's CleverTap
 * ID, and are skipped (`no_identity`) at the hold deadline unless one is set first.
 */
import { formatTime } from './format.js';

export interface HeldInfo {
  heldSince?: string | null | undefined;
  holdUntil?: string | null | undefined;
}

/** "Waiting for the user's CleverTap ID since …; skipped at … unless an ID is set." */
export function heldReason(item: HeldInfo): string {
  const since = item.heldSince ? ` since ${formatTime(item.heldSince)}` : '';
  const until = item.holdUntil ? `; skipped at ${formatTime(item.holdUntil)} unless an ID is set` : '; skipped when the hold time passes unless an ID is set';
  return `Waiting for the user's CleverTap ID${since}${until}.`;
}

/** How a CleverTap ID gets set: by the app (SDK key) or by hand on the Identity page. */
export const HOW_TO_SET_ID =
  'Set it from the app with PUT /api/v1/apps/{appId}/users/{userKey}/attributes and the SDK key (X-Api-Key), or by hand on the Identity page: the held records are then sent at once, in order.';

/** The reason shown for an event in the log: the held explanation, or the stored reason. */
export function eventReason(item: HeldInfo & { status: string; reason: string | null }): string {
  if (item.status === 'held') return heldReason(item);
  return item.reason ?? '';
}
