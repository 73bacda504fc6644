/**
 * The API contract: every request and response schema of `/api/v1`, the error envelope and
 * the error codes. The routes, the dashboard and the client SDK import it; it imports nothing
 * from the server but TypeBox and pure constants. Shapes are named XxxIn / XxxOut, and each
 * schema has a type of the same name (`Static<typeof XxxOut>`).
 */
export * from './error-codes.js';
export * from './common.js';
export * from './event-status.js';
export * from './regions.js';
export * from './records.js';
export * from './apps.js';
export * from './session.js';
export * from './attributes.js';
export * from './catalog.js';
export * from './integration-settings.js';
export * from './integrations.js';
export * from './events.js';
export * from './replay.js';
export * from './stats.js';
export * from './users.js';
export * from './profiles.js';
export * from './preview.js';
export * from './rejection-reasons.js';
export * from './rejections.js';
export * from './webhook.js';
