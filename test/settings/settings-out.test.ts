import { describe, expect, it } from 'vitest';
import { applyPut } from '../../src/settings/apply-put.js';
import { defaultIntegrationSettings } from '../../src/settings/defaults.js';
import { toSettingsOut } from '../../src/settings/settings-out.js';

describe('toSettingsOut', () => {
  it('adds passcodeSet flags and carries no passcode', () => {
    const out = toSettingsOut(defaultIntegrationSettings(), { passcodeSet: true, sandboxPasscodeSet: false });
    expect(out.passcodeSet).toBe(true);
    expect(out.sandboxAccount).toStrictEqual({ region: 'eu1', accountId: '', passcodeSet: false });
    expect(out).not.toHaveProperty('passcode');
  });

  it('can be PUT back unchanged (GET → edit → PUT round trip)', () => {
    const settings = defaultIntegrationSettings();
    const out = toSettingsOut(settings, { passcodeSet: true, sandboxPasscodeSet: true });
    expect(applyPut(JSON.parse(JSON.stringify(out)))).toStrictEqual({ ok: true, settings });
  });
});

describe('the TypeBox schemas', () => {
  it('describe what the functions produce', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const { IntegrationSettingsSchema, IntegrationSettingsOutSchema, IntegrationSettingsInSchema } = await import('../../src/settings/schema.js');
    const settings = defaultIntegrationSettings();
    const out = toSettingsOut(settings, { passcodeSet: false, sandboxPasscodeSet: false });
    expect(Value.Check(IntegrationSettingsSchema, settings)).toBe(true);
    expect(Value.Check(IntegrationSettingsOutSchema, out)).toBe(true);
    expect(Value.Check(IntegrationSettingsInSchema, out)).toBe(true);
    expect(Value.Check(IntegrationSettingsSchema, { ...settings, region: 'mars' })).toBe(false);
    expect(Value.Check(IntegrationSettingsOutSchema, { ...out, passcode: 'x' })).toBe(false);
  });
});
