// `npm start`: builds what is missing or stale (server with tsc, dashboard with Vite), then runs
// `pcbridge <args>` (from process.argv) from the build. Incremental: a second start with no
// changes builds nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const run = (cmd, args) => {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

function newestMtime(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const serverBuilt = join(root, 'dist/src/cli/main.js');
if (!existsSync(serverBuilt) || newestMtime(join(root, 'src')) > statSync(serverBuilt).mtimeMs) {
  console.log('building the server…');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
}
const webIndex = join(root, 'web/dist/index.html');
if (existsSync(join(root, 'web/index.html')) && (!existsSync(webIndex) || newestMtime(join(root, 'web/src')) > statSync(webIndex).mtimeMs)) {
  console.log('building the dashboard…');
  run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn']);
}

// The server runs with a bounded heap (scripts/serve-node-flags.json): V8 sizes it from the
// machine's memory otherwise and lets garbage pile up far past what the bridge needs.
// NODE_OPTIONS still applies (and wins) for anyone who wants another bound.
const flags = JSON.parse(readFileSync(join(root, 'scripts/serve-node-flags.json'), 'utf8'));
const child = spawn(process.execPath, [...flags, serverBuilt, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child directly (same process group): only wait for it to finish. A
// supervisor's SIGTERM reaches this process alone: pass it on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
