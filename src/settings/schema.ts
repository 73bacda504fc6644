/**
 * The integration settings schemas live in the API contract (src/contract/integration-settings.ts),
 * which the dashboard and the client SDK share; settings code keeps importing them from here.
 */
export * from '../contract/integration-settings.js';
