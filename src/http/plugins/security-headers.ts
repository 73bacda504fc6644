import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The Content-Security-Policy of every dashboard and API answer. The dashboard is Vite's build:
 * one module script and one stylesheet from /assets, no inline script or style element, no eval;
 * React and the charts set styles through the DOM (CSSOM), which `style-src 'self'` allows. A
 * page that needs more (an interactive API page) states its own policy per route, never by
 * loosening this one.
 */
export function contentSecurityPolicy(publicUrl: string | null): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    // Only behind HTTPS: on a plain-HTTP install it would send the browser to https:// that is not there.
    ...(publicUrl?.startsWith('https://') ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

export function securityHeaderOptions(publicUrl: string | null): FastifyHelmetOptions {
  const https = publicUrl?.startsWith('https://') ?? false;
  return {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(publicUrl) },
    // Old browsers' equivalent of frame-ancestors 'none'.
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS pins a host to HTTPS for a year: only when the operator says the bridge is served over
    // HTTPS, and never for sibling subdomains the bridge knows nothing about.
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  };
}

/**
 * Security headers (@fastify/helmet) on every answer of the context it is registered in: in
 * app.ts the dashboard, the API, the operations endpoints and their errors and 404s. Not on the
 * Purchasely webhook, registered beside that context: a machine-to-machine JSON answer a browser
 * never renders, on the hot path where helmet's per-request hooks would cost throughput.
 */
export async function registerSecurityHeaders(app: FastifyInstance, publicUrl: string | null): Promise<void> {
  await app.register(helmet, securityHeaderOptions(publicUrl));
}
