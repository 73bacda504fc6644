#!/usr/bin/env node
// The `pcbridge` command: runs the compiled CLI when built (npm start builds it), else the
// TypeScript sources through tsx (a development checkout). A build older than its sources (say,
// after a `git pull`) is never run: it is rebuilt first, or, where TypeScript is not installed,
// the command stops with one line saying what to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { serverBuildIsStale, serverBuildPath } from '../scripts/build-freshness.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = serverBuildPath(root);

if (existsSync(built)) {
  if (serverBuildIsStale(root)) rebuild();
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src/cli/main.ts')).href);
}

/** `npm run build`, its output on stderr (stdout is the command's own); exits when it cannot. */
function rebuild() {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    process.stderr.write('pcbridge: dist/ is older than src/ (after a git pull?) and TypeScript is not installed to rebuild it: run `npm ci && npm run build` first\n');
    process.exit(2);
  }
  process.stderr.write('pcbridge: dist/ is older than src/: rebuilding (npm run build)…\n');
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (res.status !== 0) {
    process.stderr.write('pcbridge: the rebuild failed (see above): fix it or run `npm run build`; the old dist/ was not run\n');
    process.exit(2);
  }
}
