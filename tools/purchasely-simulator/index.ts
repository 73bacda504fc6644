/**
 * The Purchasely simulator (SPEC §6): realistic purchase lifecycles (subscriptions and one-time
 * purchases), signed and sent like Purchasely's webhook sender. Programmatic use for tests, the
 * demo and benchmarks; the CLI is `pcbridge simulate purchasely` (src/cli/commands/simulate.ts).
 */
export { createPurchaselySimulator, type PurchaselySimulator, type SimulatorOptions, type SimulationSummary } from './simulator.js';
export { generateLifecycles, generateLifecycle, scheduleOf, type LifecycleOptions, type SimulatedEvent, type SimulatedLifecycle } from './lifecycle.js';
export { createPurchaselySender, type PurchaselySender, type SenderOptions, type SenderStats, type AttemptReport } from './sender.js';
export { purchaselyRetryDelaysMs, compressDelay, PURCHASELY_MAX_RETRIES } from './retry-schedule.js';
export { createRandom, deriveSeed, type Random } from './random.js';
