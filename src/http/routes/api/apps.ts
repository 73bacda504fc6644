import { createApp, requireApp, retirePreviousWebhookSecret, rotateSdkKey, setWebhookSecret, toAppOut } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { AppCreatedOut, AppCreateIn, AppIdParams, AppListOut, AppOut, AppPatchIn, errorResponses, NoContent, SdkKeyOut, WebhookSecretIn } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** Apps, their Purchasely webhook secrets and SDK keys (SPEC §2). */
export async function appsRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['apps'];

  app.post('/apps', { schema: { tags, summary: 'Create an app', body: AppCreateIn, response: { 201: AppCreatedOut, ...errorResponses(401, 422) } } }, async (request, reply) =>
    reply.status(201).send(await createApp(ctx, request.body)),
  );

  app.get('/apps', { schema: { tags, summary: 'List apps', response: { 200: AppListOut } } }, async () => ({
    items: (await ctx.store.apps.list()).map(toAppOut),
  }));

  app.get('/apps/:appId', { schema: { tags, summary: 'Get an app', params: AppIdParams, response: { 200: AppOut, ...errorResponses(401, 404) } } }, async (request) =>
    toAppOut(await requireApp(ctx, request.params.appId)),
  );

  app.patch(
    '/apps/:appId',
    { schema: { tags, summary: 'Change an app', params: AppIdParams, body: AppPatchIn, response: { 200: AppOut, ...errorResponses(401, 404, 422) } } },
    async (request) => {
      const { appId } = request.params;
      const updated = await ctx.store.apps.update(appId, request.body, ctx.clock.now());
      if (!updated) throw new AppError('not_found', `No app with id ${appId}.`);
      return toAppOut(updated);
    },
  );

  app.delete(
    '/apps/:appId',
    { schema: { tags, summary: 'Delete an app and everything stored for it', params: AppIdParams, response: { 204: NoContent, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      const { appId } = request.params;
      const deleted = await ctx.store.transaction((tx) => tx.apps.delete(appId));
      if (!deleted) throw new AppError('not_found', `No app with id ${appId}.`);
      return reply.status(204).send();
    },
  );

  app.put(
    '/apps/:appId/webhook-secret',
    {
      schema: {
        tags,
        summary: "Set Purchasely's new webhook secret (the previous one stays valid until retired)",
        params: AppIdParams,
        body: WebhookSecretIn,
        response: { 200: AppOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => setWebhookSecret(ctx, request.params.appId, request.body.secret),
  );

  app.delete(
    '/apps/:appId/webhook-secret/previous',
    { schema: { tags, summary: 'Retire the previous webhook secret', params: AppIdParams, response: { 200: AppOut, ...errorResponses(401, 404) } } },
    async (request) => retirePreviousWebhookSecret(ctx, request.params.appId),
  );

  app.post(
    '/apps/:appId/sdk-key/rotate',
    { schema: { tags, summary: 'Replace the SDK key (the new one is shown once)', params: AppIdParams, response: { 200: SdkKeyOut, ...errorResponses(401, 404) } } },
    async (request) => rotateSdkKey(ctx, request.params.appId),
  );
}
