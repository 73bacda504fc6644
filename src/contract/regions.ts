/**
 * CleverTap's regions as the API names them (`region` of the integration settings) and their
 * plain-English labels: the pure constants of src/clevertap/regions.ts (which imports nothing),
 * so the dashboard does not declare them again.
 */
export { REGIONS, REGION_LABELS, isRegion, type Region } from '../clevertap/regions.js';
