import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../src/settings/apply-merge-patch.js';
import { applyPut } from '../../src/settings/apply-put.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import { mergePatch } from '../../src/settings/merge-patch.js';
import type { IntegrationSettings } from '../../src/settings/schema.js';
import type { SettingsResult } from '../../src/settings/validate-settings.js';

function settingsOf(result: SettingsResult): IntegrationSettings {
  if (!result.ok) throw new Error(`expected the patch to be accepted: ${JSON.stringify(result.details)}`);
  return result.settings;
}

const current = settingsOf(
  applyPut({
    enabled: true,
    region: 'us1',
    accountId: 'W9R-486-4W5Z',
    events: { ACTIVATE: { enabled: true, name: 'Access Granted' }, SUBSCRIPTION_STARTED: { enabled: true } },
    userProperties: { plan: { enabled: true, name: 'Plan' } },
    identity: { mode: 'identity', holdFor: '1h' },
  }),
);

describe('mergePatch (RFC 7396 appendix A examples)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('merges %j with %j into %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toStrictEqual(expected);
  });

  it('leaves both arguments untouched', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { c: 2 } };
    mergePatch(target, patch);
    expect(target).toStrictEqual({ a: { b: 1 } });
    expect(patch).toStrictEqual({ a: { c: 2 } });
  });

  it('keeps a __proto__ member as data instead of changing the prototype', () => {
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"enabled": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(merged['enabled']).toBeUndefined();
  });
});

describe('applyMergePatch', () => {
  it('changes only what the patch names', () => {
    const next = settingsOf(applyMergePatch(current, { events: { ACTIVATE: { name: 'Access On' } }, region: 'eu1' }));
    expect(next).toStrictEqual({
      ...current,
      region: 'eu1',
      events: { ...current.events, ACTIVATE: { enabled: true, name: 'Access On' } },
    });
  });

  it('resets a member to its default when the patch sets it to null', () => {
    const next = settingsOf(applyMergePatch(current, { events: { ACTIVATE: null }, identity: null }));
    expect(next.events['ACTIVATE']).toStrictEqual({ enabled: false, name: 'ACTIVATE' });
    expect(next.events['SUBSCRIPTION_STARTED']).toStrictEqual({ enabled: true, name: 'SUBSCRIPTION_STARTED' });
    expect(next.identity).toStrictEqual(defaultIntegrationSettings().identity);
  });

  it('returns a passcode only when the patch carries one', () => {
    expect(applyMergePatch(current, { enabled: false })).toStrictEqual({ ok: true, settings: { ...current, enabled: false } });
    const withPass = applyMergePatch(current, { passcode: 'NEW-PASS' });
    expect(withPass.ok && withPass.passcode).toBe('NEW-PASS');
    expect(settingsOf(withPass)).toStrictEqual(current);
  });

  it('validates the merged result as a whole, reporting every invalid field', () => {
    const result = applyMergePatch(current, {
      events: { SUBSCRIPTION_STARTED: { name: 'access granted' } },
      userProperties: { plan: { name: 'DOB' } },
      region: 'mars',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.details.map((d) => d.path).sort()).toEqual(['/events/ACTIVATE/name', '/events/SUBSCRIPTION_STARTED/name', '/region', '/userProperties/plan/name']);
    }
  });

  it('refuses a patch that is not an object', () => {
    expect(applyMergePatch(current, [1])).toStrictEqual({
      ok: false,
      details: [{ path: '', message: 'A settings patch must be a JSON object.' }],
    });
  });

  it("checks stored credentials through the caller's flags", () => {
    const off = { ...current, enabled: false };
    expect(applyMergePatch(off, { enabled: true }, { hasStoredPasscode: false })).toMatchObject({
      ok: false,
      details: [{ path: '/passcode' }],
    });
    expect(applyMergePatch(off, { enabled: true }, { hasStoredPasscode: true }).ok).toBe(true);
  });
});
