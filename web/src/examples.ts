/**
 * Purchasely's documented example payloads (test/fixtures/purchasely/, verbatim copies of the
 * vendor's docs), bundled into the dashboard for the *Try a payload* page.
 */
import activate from '../../test/fixtures/purchasely/ACTIVATE.json';
import subscriptionStarted from '../../test/fixtures/purchasely/SUBSCRIPTION_STARTED.json';
import transactionProcessed from '../../test/fixtures/purchasely/TRANSACTION_PROCESSED.json';

export interface PayloadExample {
  name: string;
  /** What the example shows, in a few words. */
  description: string;
  /** The payload as the textarea shows it (pretty-printed like the docs). */
  text: string;
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export const PAYLOAD_EXAMPLES: readonly PayloadExample[] = [
  { name: 'SUBSCRIPTION_STARTED', description: 'an anonymous user subscribes', text: pretty(subscriptionStarted) },
  { name: 'ACTIVATE', description: 'a known user’s subscription is active', text: pretty(activate) },
  { name: 'TRANSACTION_PROCESSED', description: 'a renewal is paid', text: pretty(transactionProcessed) },
];

/** The example whose text the textarea holds, if it holds one unchanged. */
export function exampleMatching(text: string): PayloadExample | undefined {
  return PAYLOAD_EXAMPLES.find((e) => e.text === text);
}
