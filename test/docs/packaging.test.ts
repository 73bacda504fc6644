/**
 * Packaging: the LICENSE package.json announces; the dashboard's favicon, served under the CSP;
 * `bin/pcbridge.js` never runs a dist/ older than src/ (it rebuilds, or refuses in one line);
 * and the client SDK built by `npm run build` is importable as `pcbridge/client` from a project
 * that depends on the repository (`npm install /path/to/pcbridge` links it into node_modules).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { ensureDashboardBuilt } from '../web/browser.js';

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string; exports: Record<string, { types: string; default: string }> };

describe('the license', () => {
  it('is the MIT license package.json names, held by the pcbridge contributors', () => {
    expect(pkg.license).toBe('MIT');
    const text = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n')[0]).toBe('MIT License');
    expect(text).toMatch(/^Copyright \(c\) \d{4} pcbridge contributors$/m);
    expect(text).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });
});

describe('the favicon', () => {
  let t: TestContext;
  let app: FastifyInstance;
  beforeAll(async () => {
    await ensureDashboardBuilt();
    t = await createTestContext('sqlite');
    app = await buildApp(t.ctx);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('is linked from the dashboard page and served as SVG from its own origin, which the CSP allows', async () => {
    const page = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(page.body).toContain('<link rel="icon" type="image/svg+xml" href="/favicon.svg" />');
    expect(page.headers['content-security-policy']).toMatch(/img-src 'self'/);
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
    expect(icon.body).toContain('<svg');
  });
});

describe('bin/pcbridge.js and a stale dist/', () => {
  /** A copy of the repository's shape: bin/, a dist/ CLI that says which build it is, src/. */
  function fakeCheckout(withTypescript: boolean): string {
    const root = tempDir('pcbridge-bin-');
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(REPO_ROOT, 'bin/pcbridge.js'), join(root, 'bin/pcbridge.js'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(REPO_ROOT, 'scripts/build-freshness.mjs'), join(root, 'scripts/build-freshness.mjs'));
    writeFileSync(join(root, 'package.json'), '{"type": "module"}');
    mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/src/cli/main.js'), 'console.log("old build", process.argv.slice(2).join(" "));\n');
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    writeFileSync(join(root, 'src/cli/main.ts'), '// the sources\n');
    if (withTypescript) {
      // Stands in for tsc -p tsconfig.build.json: writes a new build.
      mkdirSync(join(root, 'node_modules/typescript/bin'), { recursive: true });
      writeFileSync(
        join(root, 'node_modules/typescript/bin/tsc'),
        `require('node:fs').writeFileSync('dist/src/cli/main.js', 'console.log("new build", process.argv.slice(2).join(" "));\\n'); console.log('tsc ' + process.argv.slice(2).join(' '));\n`,
      );
      writeFileSync(join(root, 'node_modules/typescript/package.json'), '{"type": "commonjs"}');
    }
    return root;
  }
  const age = (path: string, secondsAgo: number) => utimesSync(path, new Date(Date.now() - secondsAgo * 1000), new Date(Date.now() - secondsAgo * 1000));
  const run = (root: string) => spawnSync(process.execPath, [join(root, 'bin/pcbridge.js'), 'apps', 'list'], { cwd: root, encoding: 'utf8' });

  it('runs a dist/ that is newer than src/ as it is', () => {
    const root = fakeCheckout(true);
    age(join(root, 'src/cli/main.ts'), 60);
    const res = run(root);
    expect(res.stdout).toBe('old build apps list\n');
    expect(res.stderr).toBe('');
  });

  it('rebuilds a dist/ older than src/ before running it, keeping stdout for the command', () => {
    const root = fakeCheckout(true);
    age(join(root, 'dist/src/cli/main.js'), 60);
    const res = run(root);
    expect(res.status).toBe(0);
    expect(res.stdout).toBe('new build apps list\n');
    expect(res.stderr).toContain('pcbridge: dist/ is older than src/: rebuilding (npm run build)');
    expect(res.stderr).toContain('tsc -p tsconfig.build.json');
  });

  it('refuses in one line, exit 2, when it cannot rebuild', () => {
    const root = fakeCheckout(false);
    age(join(root, 'dist/src/cli/main.js'), 60);
    const res = run(root);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe('pcbridge: dist/ is older than src/ (after a git pull?) and TypeScript is not installed to rebuild it: run `npm ci && npm run build` first\n');
  });
});

describe('the client SDK as a dependency', () => {
  it('builds with `npm run build` and is imported as pcbridge/client, with its types, from another project', () => {
    // The package as `npm install /path/to/pcbridge` links it: package.json + what `npm run build` writes to dist/.
    const pkgDir = tempDir('pcbridge-pkg-');
    copyFileSync(join(REPO_ROOT, 'package.json'), join(pkgDir, 'package.json'));
    const build = spawnSync(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(pkgDir, 'dist')],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(build.stdout + build.stderr).toBe('');
    expect(pkg.exports['./client']).toEqual({ types: './dist/src/client/index.d.ts', default: './dist/src/client/index.js' });

    const consumer = tempDir('pcbridge-consumer-');
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', dependencies: { pcbridge: `file:${pkgDir}` } }));
    mkdirSync(join(consumer, 'node_modules'));
    symlinkSync(pkgDir, join(consumer, 'node_modules/pcbridge'), 'dir');
    writeFileSync(
      join(consumer, 'index.ts'),
      `import { createClient, Attribute, PcbridgeError, signPurchaselyRequest, verifyPurchaselySignature, type PurchaselyEventPayload } from 'pcbridge/client';
const client = createClient({ baseUrl: 'http://127.0.0.1:9', appId: 'app_1', apiKey: 'pcb_sdk_x', timeoutMs: 2000 });
const body = JSON.stringify({ event_id: 'e1' } satisfies Partial<PurchaselyEventPayload>);
const ts = String(Math.floor(Date.now() / 1000));
const verdict = verifyPurchaselySignature({ secrets: ['s'], headers: { signature: signPurchaselyRequest('s', ts, body), timestamp: ts }, rawBody: Buffer.from(body), nowMs: Date.now(), toleranceSeconds: 300, allowLegacy: false });
const failed = await client.setAttribute('user-1', Attribute.CLEVER_TAP_ID, 'ct-1').then(() => 'sent', (err: unknown) => (err instanceof PcbridgeError ? err.code : 'other'));
console.log(JSON.stringify({ attribute: Attribute.CLEVER_TAP_ID, verdict, failed }));
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, types: [], skipLibCheck: false, outDir: 'out' },
        files: ['index.ts'],
      }),
    );
    // Types resolve through the package's exports map; @types/node from the repository.
    mkdirSync(join(consumer, 'node_modules/@types'));
    symlinkSync(join(REPO_ROOT, 'node_modules/@types/node'), join(consumer, 'node_modules/@types/node'), 'dir');
    writeFileSync(join(consumer, 'tsconfig.json'), readFileSync(join(consumer, 'tsconfig.json'), 'utf8').replace('"types":[]', '"types":["node"]'));
    const compiled = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', consumer], { cwd: consumer, encoding: 'utf8' });
    expect(compiled.stdout + compiled.stderr).toBe('');

    const ran = spawnSync(process.execPath, [join(consumer, 'out/index.js')], { cwd: consumer, encoding: 'utf8' });
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual({ attribute: 'clevertap_id', verdict: { ok: true, scheme: 'v3' }, failed: 'network_error' });
  }, 120_000);
});
