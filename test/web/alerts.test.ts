import { describe, expect, it } from 'vitest';
import { appAlerts } from '../../web/src/alerts.js';
import { eventReason, heldReason } from '../../web/src/held.js';

const settings = (extra: Record<string, unknown> = {}) => ({ enabled: true, region: 'eu1', accountId: 'W9R', ...extra }) as never;

describe('the banner on every page of an app', () => {
  it('warns when CleverTap refused the credentials, from the settings or the account health', () => {
    expect(appAlerts(settings({ status: 'auth_failed' }), undefined)).toEqual([{ kind: 'auth_failed' }]);
    expect(appAlerts(settings(), { accounts: [{ accountKey: 'eu1:W9R', authState: 'auth_failed' }] })).toEqual([{ kind: 'auth_failed' }]);
    expect(appAlerts(settings(), { accounts: [{ accountKey: 'eu1:W9R', authState: 'ok' }] })).toEqual([]);
  });

  it('warns of a failed spike: at least 3 failed events and 10 % of those received', () => {
    expect(appAlerts(settings(), { received: 20, failed: 3 })).toEqual([{ kind: 'failed_spike', failed: 3, received: 20, window: '15m' }]);
    expect(appAlerts(settings(), { received: 20, failed: 2 })).toEqual([]);
    expect(appAlerts(settings(), { received: 1000, failed: 5 })).toEqual([]);
  });
});

describe('why an event is held', () => {
  it('says since when it waits for a CleverTap ID and when it is skipped', () => {
    const text = heldReason({ heldSince: '2026-01-10T12:00:00.000Z', holdUntil: '2026-01-11T12:00:00.000Z' });
    expect(text).toMatch(/^Waiting for the user's CleverTap ID since .+; skipped at .+ unless an ID is set\.$/);
    expect(heldReason({})).toBe("Waiting for the user's CleverTap ID; skipped when the hold time passes unless an ID is set.");
  });

  it('keeps the stored reason for other statuses', () => {
    expect(eventReason({ status: 'skipped', reason: 'no_identity' })).toBe('no_identity');
    expect(eventReason({ status: 'delivered', reason: null })).toBe('');
  });
});
