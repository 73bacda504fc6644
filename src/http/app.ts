import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { createAdminAuth, type AdminAuth } from './plugins/admin-auth.js';
import { registerAuthFailureLimit } from './plugins/auth-failure-limit.js';
import { createMetricsAuth } from './plugins/metrics-auth.js';
import { registerStoreGauges } from '../metrics.js';
import { dashboardRoutes } from './plugins/dashboard.js';
import { answerClientError, answerFrameworkError, registerErrorHandler, registerNotFoundHandler } from './plugins/error-handler.js';
import { registerSecurityHeaders } from './plugins/security-headers.js';
import { registerStorableParams } from './plugins/storable-params.js';
import { appsRoutes } from './routes/api/apps.js';
import { attributesRoutes } from './routes/api/attributes.js';
import { catalogRoutes } from './routes/api/catalog.js';
import { integrationsRoutes } from './routes/api/integrations.js';
import { statsRoutes } from './routes/api/stats.js';
import { usersRoutes } from './routes/api/users.js';
import { previewRoutes } from './routes/api/preview.js';
import { clevertapProfileRoutes } from './routes/api/clevertap-profile.js';
import { rejectionsRoutes } from './routes/api/rejections.js';
import { replayRoutes } from './routes/api/replay.js';
import { eventsRoutes } from './routes/api/events.js';
import { resumeRoutes } from './routes/api/resume.js';
import { sessionRoutes } from './routes/api/session.js';
import { healthRoutes } from './routes/health.js';
import { purchaselyWebhookRoutes } from './routes/webhooks/purchasely.js';
import { ErrorOut, MAX_PARAM_LENGTH, type TypedFastify } from './schemas.js';
import { createValidatorFactory } from './validators.js';

/** Extra API route plugins registered under /api/v1 behind admin auth (one per resource). */
export type ApiRoutePlugin = (app: TypedFastify, opts: { ctx: AppContext; auth: AdminAuth }) => Promise<void>;

const API_ROUTES: ApiRoutePlugin[] = [
  appsRoutes,
  attributesRoutes,
  eventsRoutes,
  replayRoutes,
  integrationsRoutes,
  catalogRoutes,
  statsRoutes,
  usersRoutes,
  resumeRoutes,
  previewRoutes,
  clevertapProfileRoutes,
  rejectionsRoutes,
];

/** Builds the HTTP application; never listens (tests use `inject`, main.ts listens). */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  let closing = false;
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    // Per-request info lines would dominate the webhook hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Ids of up to 256 characters (what ingest stores) travel in the path; see schemas.ts.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Source addresses (rate limits) and HTTPS detection (Secure cookie) from X-Forwarded-* only when told.
    trustProxy: ctx.config.trustProxy,
    // Bodies are not coerced, path and query strings are (validators.ts).
    schemaController: { compilersFactory: { buildValidator: createValidatorFactory() } },
    // Fastify's own answers to these are in its shape; ours are in the SPEC's.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    // Answered below in the SPEC shape instead of Fastify's fixed body.
    return503OnClosing: false,
  });
  registerErrorHandler(app);
  registerStorableParams(app);
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Root hooks run on every webhook too: callback style, so that none costs a promise and a
  // microtask per request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    // Requests still arriving on kept-alive connections while the server drains.
    reply.status(503).header('connection', 'close').send(new AppError('shutting_down', 'The server is shutting down; retry in a moment.').toJSON());
  });
  app.addSchema(ErrorOut);
  // At the root, before any route: the OpenAPI document lists the routes of every context.
  await app.register(swagger, {
    openapi: {
      info: { title: 'pcbridge', version: '1', description: 'Purchasely server events to CleverTap' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.addHook('onResponse', (request, reply, done) => {
    ctx.metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
    done();
  });

  // Outside /api/v1: no admin auth (the signature proves Purchasely), raw-body parser of its own.
  // A sibling of the context below, so none of its browser-facing hooks run on the hot path.
  await app.register(purchaselyWebhookRoutes, { ctx });
  // Everything a browser or an operator talks to, with security headers and cookies.
  await app.register(async (site) => browserFacingRoutes(site, ctx));

  return app;
}

/**
 * The dashboard, the API, the operations endpoints and the 404 for unknown paths: one context
 * with helmet's headers (security-headers.ts), cookies (sessions) and the failed-login limit.
 */
async function browserFacingRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await registerSecurityHeaders(app, ctx.config.publicUrl);
  await app.register(cookie);
  registerNotFoundHandler(app);
  const failures = await registerAuthFailureLimit(app);
  const auth = createAdminAuth(ctx, failures);

  await app.register(healthRoutes, { ctx });

  await app.register(
    async (api) => {
      // Every /api/v1 route needs the admin token or session unless it is marked public.
      api.addHook('onRequest', async (request, reply) => {
        const config = request.routeOptions.config as { public?: boolean } | undefined;
        if (config?.public) return;
        await auth.requireAdmin(request, reply);
      });
      // The API speaks JSON only: without this, text/plain bodies would reach the schemas as strings.
      api.removeContentTypeParser('text/plain');
      await api.register(sessionRoutes, { auth, publicUrl: ctx.config.publicUrl });
      for (const routes of API_ROUTES) await api.register(routes, { ctx, auth });
    },
    { prefix: '/api/v1' },
  );

  // Also open to PCBRIDGE_METRICS_TOKEN (scrape-only); the store gauges are read at scrape time.
  registerStoreGauges(ctx.metrics.registry, ctx.store);
  app.get('/metrics', { schema: { hide: true }, onRequest: createMetricsAuth(ctx, auth) }, async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  // The interactive API page (/docs) and its OpenAPI document (/docs/json), behind the same auth.
  await app.register(async (docs) => {
    docs.addHook('onRequest', auth.requireAdmin);
    // `/docs` answered the JSON document before it had a UI: scripts that do not ask for HTML still get it.
    docs.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.url === '/docs' && !/text\/html/.test(request.headers.accept ?? '')) return reply.send(app.swagger());
    });
    // BaseLayout: no top bar, whose inline SVG logo carries a <style> element the CSP refuses.
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { layout: 'BaseLayout' }, theme: { title: 'pcbridge API' } });
  });

  await app.register(dashboardRoutes);
}
