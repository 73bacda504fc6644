#!/usr/bin/env node
// The `pcbridge` command: runs the compiled CLI when built (npm start builds it), else the
// TypeScript sources through tsx (a development checkout). A build older than its sources (say,
// after a `git pull`) is never run: it is rebuilt first, or, where TypeScript is not installed,
// the command stops with one line saying what to run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const built = join(root, 'dist/src/cli/main.js');

function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

if (existsSync(built)) {
  // dist/ holds the build of src/ and tools/ (tsconfig.build.json).
  if (Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'tools'))) > statSync(built).mtimeMs) rebuild();
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
