// Whether a build is older than its sources, shared by `npm start` (scripts/start.mjs) and the
// `pcbridge` command (bin/pcbridge.js), so both rebuild in the same cases.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time (ms) of any file below `dir`; 0 when it does not exist. */
export function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The server's build entry point (dist/ holds the build of src/ and tools/, tsconfig.build.json). */
export const serverBuildPath = (root) => join(root, 'dist/src/cli/main.js');

/** True when the server is not built, or src/ or tools/ changed since it was. */
export function serverBuildIsStale(root) {
  const built = serverBuildPath(root);
  if (!existsSync(built)) return true;
  return Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'tools'))) > statSync(built).mtimeMs;
}
