import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEventName as serverCheckEventName, checkProfilePropertyName as serverCheckPropertyName } from '../../src/clevertap/naming.js';
import { checkEventName, checkUserPropertyName, validateMapping } from '../../web/src/naming.js';

describe("the dashboard's CleverTap name checks", () => {
  it.each([
    ['Subscription.Started', '"."'],
    ['50% off', '"%"'],
    ['a > b', '">"'],
    ["it's", `"'"`],
    ['x'.repeat(121), '121 characters'],
    ['   ', "can't be empty"],
  ])('refuses the event name %j', (name, expected) => {
    expect(checkEventName(name)).toContain(expected);
  });

  it('refuses a system event name whatever its case and spacing', () => {
    expect(checkEventName('app launched')).toContain('"App Launched"');
    expect(checkEventName('Notification  Sent')).toContain('system events');
  });

  it('accepts ordinary names, 120 characters and non-ASCII letters', () => {
    for (const name of ['Subscription Started', 'SUBSCRIPTION_STARTED', 'x'.repeat(120), 'Abonnement démarré', 'trial-started #2']) {
      expect(checkEventName(name), name).toBeNull();
    }
  });

  it('refuses "#" and the standard profile keys in user property names only', () => {
    expect(checkEventName('plan #1')).toBeNull();
    expect(checkUserPropertyName('plan #1')).toContain('"#"');
    expect(checkUserPropertyName('email')).toContain('"Email"');
    expect(checkUserPropertyName('Customer Type')).toContain('standard profile field');
    expect(checkUserPropertyName('subscription_status')).toBeNull();
  });

  it('refuses a user property name over 120 UTF-8 bytes even under 120 characters', () => {
    expect(checkUserPropertyName('é'.repeat(61))).toContain('122 bytes');
    expect(checkUserPropertyName('é'.repeat(60))).toBeNull();
  });

  it('refuses exactly the names the server refuses', () => {
    const alphabet = fc.constantFrom(...'aZ _-#%>.:;$\'"\\!|&<é1'.split(''), 'App Launched', 'Email', 'Identity');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((parts) => parts.join('')),
        (name) => {
          expect(checkEventName(name) === null).toBe(serverCheckEventName(name) === null);
          expect(checkUserPropertyName(name) === null).toBe(serverCheckPropertyName(name) === null);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('checking a whole mapping before saving', () => {
  it('checks only enabled entries, under their Purchasely key', () => {
    const problems = validateMapping('events', {
      SUBSCRIPTION_STARTED: { enabled: true, name: 'Sub.Started' },
      ACTIVATE: { enabled: false, name: 'Not.Checked' },
    });
    expect(Object.keys(problems)).toEqual(['SUBSCRIPTION_STARTED']);
  });

  it('uses the Purchasely name when the rename is empty', () => {
    expect(validateMapping('events', { ACTIVATE: { enabled: true, name: '' } })).toEqual({});
  });

  it('reports both entries of a collision, ignoring case and spaces', () => {
    const problems = validateMapping('events', {
      ACTIVATE: { enabled: true, name: 'Sub Started' },
      SUBSCRIPTION_STARTED: { enabled: true, name: 'substarted' },
      DEACTIVATE: { enabled: true, name: 'Deactivate' },
    });
    expect(problems.ACTIVATE).toContain('SUBSCRIPTION_STARTED');
    expect(problems.SUBSCRIPTION_STARTED).toContain('ACTIVATE');
    expect(problems.DEACTIVATE).toBeUndefined();
  });

  it('refuses an event named Charged only while the Charged event is on', () => {
    const entries = { TRANSACTION_PROCESSED: { enabled: true, name: 'charged' } };
    expect(validateMapping('events', entries, { chargedEvent: true }).TRANSACTION_PROCESSED).toContain('Charged');
    expect(validateMapping('events', entries, { chargedEvent: false })).toEqual({});
  });
});
