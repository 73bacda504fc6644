// `npm start`: builds what is missing or stale (server with tsc, dashboard with Vite), then runs
// `pcbridge <args>` (from process.argv) from the build. Incremental: a second start with no
// changes builds nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime, serverBuildIsStale, serverBuildPath } from './build-freshness.mjs';

// Taken first: the parent may go away while the build runs (see the end of this file).
const parentAtStart = process.ppid;

const root = fileURLToPath(new URL('../', import.meta.url));
const run = (cmd, args) => {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

const serverBuilt = serverBuildPath(root);
if (serverBuildIsStale(root)) {
  console.log('building the server…');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
}
const webIndex = join(root, 'web/dist/index.html');
const webSources = () => Math.max(newestMtime(join(root, 'web/src')), newestMtime(join(root, 'web/public')), statSync(join(root, 'web/index.html')).mtimeMs);
if (existsSync(join(root, 'web/index.html')) && (!existsSync(webIndex) || webSources() > statSync(webIndex).mtimeMs)) {
  console.log('building the dashboard…');
  run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn']);
}

// The server runs with a bounded heap (scripts/serve-node-flags.json): V8 sizes it from the
// machine's memory otherwise and lets garbage pile up far past what the bridge needs.
// NODE_OPTIONS still applies (and wins) for anyone who wants another bound.
const flags = JSON.parse(readFileSync(join(root, 'scripts/serve-node-flags.json'), 'utf8'));
if (underPackageManager() && process.ppid !== parentAtStart) process.exit(143);
const child = spawn(process.execPath, [...flags, serverBuilt, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });

// Stopping. The bridge stops on SIGTERM or SIGINT within its drain time and exits 0; this script
// passes the signal on and then exits as the bridge did.
// - A service manager, a container runtime or `kill` signals this process alone: pass it on.
// - Ctrl-C in a terminal reaches both processes (one process group), and again through here:
//   the bridge takes the repeat calmly.
// - `npm start`: npm passes SIGTERM to the shell that runs this script, and that shell (dash, as
//   /bin/sh on Debian) dies of it without passing it on. So, under a package manager, this
//   script's parent going away means "stop" too.
const stopChild = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGTERM', () => stopChild('SIGTERM'));
process.on('SIGINT', () => stopChild('SIGINT'));
process.on('SIGHUP', () => stopChild('SIGTERM'));
if (underPackageManager()) {
  const watch = setInterval(() => {
    if (process.ppid === parentAtStart) return;
    clearInterval(watch);
    stopChild('SIGTERM');
  }, 200);
  watch.unref();
}
child.on('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));

/** Run as a package.json script (npm start, npm run demo): the parent is the script's shell. */
function underPackageManager() {
  return Boolean(process.env.npm_lifecycle_event);
}
