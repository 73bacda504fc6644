// The grammar lives with the configuration, at the bottom floor, so that the environment, the
// flags, the stored settings and the query strings all read durations the same way.
export { parseDuration } from '../config.js';
