/** Public surface of the Purchasely source module (see README.md). */
export * from './signature.js';
export * from './payload.js';
export * from './catalog.js';
