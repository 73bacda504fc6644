import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../errors.js';

export interface DashboardOptions {
  /** Folder holding the built dashboard (`index.html` + `assets/`); default: the repo's `web/dist`. */
  distDir?: string;
}

/** Paths that belong to the API and operations: never answered with the dashboard page. */
const RESERVED_PREFIXES = ['/api', '/webhooks', '/healthz', '/readyz', '/metrics', '/docs'];

// No inline style or script: the Content-Security-Policy (security-headers.ts) would refuse them.
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pcbridge</title></head>
<body>
<h1>pcbridge is running</h1>
<p>The dashboard has not been built yet. Run <code>npm run build:web</code> (or start with <code>npm start</code>, which builds it), then reload this page.</p>
<p>The REST API is under <code>/api/v1</code>.</p>
</body></html>`;

/**
 * The folder with the built dashboard: `web/dist` at the repository root, found from this file
 * whether it runs from sources (`src/http/plugins`) or from the build (`dist/src/http/plugins`).
 */
export function findDashboardDist(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web'))) return join(dir, 'web', 'dist');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'web', 'dist');
}

/** The path of an existing file under `distDir` for a URL path, relative to it; null otherwise. */
function builtFile(distDir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = resolve(distDir, `.${normalize(decoded)}`);
  if (!file.startsWith(distDir + sep)) return null;
  try {
    return statSync(file).isFile() ? relative(distDir, file) : null;
  } catch {
    return null;
  }
}

function isReserved(path: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** A browser navigation (not an API client, not a script or image request). */
function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

/**
 * Serves the dashboard at `/`: the built files, and `index.html` for every other page a
 * browser navigates to (the dashboard routes in the browser). API paths and non-HTML requests
 * that match nothing keep the JSON 404.
 */
export async function dashboardRoutes(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const distDir = resolve(opts.distDir ?? findDashboardDist());
  const built = existsSync(join(distDir, 'index.html'));
  const assetsDir = join(distDir, 'assets');

  await app.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    // One route per file built at start-up (no catch-all), so the SPA fallback below and the
    // JSON 404 stay in charge of every other path.
    wildcard: false,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(res, path) {
      // Vite puts a content hash in every asset name; index.html must always be revalidated.
      res.setHeader('cache-control', path.startsWith(assetsDir) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });

  /** index.html, or how to build it when it is missing (checked per request: a build may come later). */
  const sendIndex = (reply: FastifyReply) => (existsSync(join(distDir, 'index.html')) ? reply.sendFile('index.html') : reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE));

  // With a build at start-up, @fastify/static already answers `/` with index.html.
  if (!built) app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isReserved(path)) throw new AppError('not_found', `No route for ${request.method} ${path}`);
    // A file built after the server started (a rebuild while it runs) has no route of its own yet.
    const file = builtFile(distDir, path);
    if (file !== null) return reply.sendFile(file);
    if (!wantsHtml(request)) throw new AppError('not_found', `No route for ${request.method} ${path}`);
    return sendIndex(reply);
  });
}
