/**
 * Worker threads running one of this package's modules. The thread starts the same from the
 * build and from the TypeScript sources (where it first registers tsx, as bin/pcbridge.js does
 * for the main thread).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** Plain JavaScript: the thread cannot load TypeScript before tsx is registered. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) {
    const tsx = await import(workerData.tsxApi);
    (tsx.register ?? tsx.default.register)();
  }
  await import(workerData.entry);
})();
`;

/** Whether this process runs from the TypeScript sources (tests, `npm run dev`) or the build. */
const SOURCE = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/**
 * Starts a thread on `entry`, a module URL without its extension (`new URL('./x-main', import.meta.url)`);
 * the module reads `data` from `workerData`.
 */
export function startModuleThread(entry: URL, data: object, resourceLimits?: ResourceLimits): Worker {
  const workerData = { ...data, entry: `${entry.href}.${SOURCE}`, tsxApi: SOURCE === 'ts' ? import.meta.resolve('tsx/esm/api') : null };
  return new Worker(BOOTSTRAP, { eval: true, workerData, ...(resourceLimits ? { resourceLimits } : {}) });
}
