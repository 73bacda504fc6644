import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  createApp,
  requireApp,
  retirePreviousWebhookSecret,
  rotateSdkKey,
  setWebhookSecret,
  toAppOut,
} from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { AppIdParams, errorResponses } from '../../schemas.js';

const WebhookSecret = Type.String({ minLength: 1, maxLength: 1024, description: "Purchasely's client shared secret" });

const AppCreateIn = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), webhookSecret: WebhookSecret }, { additionalProperties: false });
const AppPatchIn = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    signatureToleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    allowLegacySignatures: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const WebhookSecretIn = Type.Object({ secret: WebhookSecret }, { additionalProperties: false });

export const AppOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  webhookPath: Type.String(),
  signatureToleranceSeconds: Type.Integer(),
  allowLegacySignatures: Type.Boolean(),
  previousWebhookSecretActive: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const AppCreatedOut = Type.Intersect([AppOut, Type.Object({ sdkKey: Type.String() })]);
const SdkKeyOut = Type.Object({ sdkKey: Type.String() });

type AppIdParams = Static<typeof AppIdParams>;

/** Apps, their Purchasely webhook secrets and SDK keys (SPEC §2). */
export async function appsRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['apps'];

  app.post(
    '/apps',
    { schema: { tags, summary: 'Create an app', body: AppCreateIn, response: { 201: AppCreatedOut, ...errorResponses(401, 422) } } },
    async (request, reply) => reply.status(201).send(await createApp(ctx, request.body as Static<typeof AppCreateIn>)),
  );

  app.get('/apps', { schema: { tags, summary: 'List apps', response: { 200: Type.Object({ items: Type.Array(AppOut) }) } } }, async () => ({
    items: (await ctx.store.apps.list()).map(toAppOut),
  }));

  app.get(
    '/apps/:appId',
    { schema: { tags, summary: 'Get an app', params: AppIdParams, response: { 200: AppOut, ...errorResponses(401, 404) } } },
    async (request) => toAppOut(await requireApp(ctx, (request.params as AppIdParams).appId)),
  );

  app.patch(
    '/apps/:appId',
    { schema: { tags, summary: 'Change an app', params: AppIdParams, body: AppPatchIn, response: { 200: AppOut, ...errorResponses(401, 404, 422) } } },
    async (request) => {
      const { appId } = request.params as AppIdParams;
      const updated = await ctx.store.apps.update(appId, request.body as Static<typeof AppPatchIn>, ctx.clock.now());
      if (!updated) throw new AppError('not_found', `No app with id ${appId}.`);
      return toAppOut(updated);
    },
  );

  app.delete(
    '/apps/:appId',
    { schema: { tags, summary: 'Delete an app and everything stored for it', params: AppIdParams, response: { 204: Type.Null(), ...errorResponses(401, 404) } } },
    async (request, reply) => {
      const { appId } = request.params as AppIdParams;
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
    async (request) => setWebhookSecret(ctx, (request.params as AppIdParams).appId, (request.body as Static<typeof WebhookSecretIn>).secret),
  );

  app.delete(
    '/apps/:appId/webhook-secret/previous',
    { schema: { tags, summary: 'Retire the previous webhook secret', params: AppIdParams, response: { 200: AppOut, ...errorResponses(401, 404) } } },
    async (request) => retirePreviousWebhookSecret(ctx, (request.params as AppIdParams).appId),
  );

  app.post(
    '/apps/:appId/sdk-key/rotate',
    { schema: { tags, summary: 'Replace the SDK key (the new one is shown once)', params: AppIdParams, response: { 200: SdkKeyOut, ...errorResponses(401, 404) } } },
    async (request) => rotateSdkKey(ctx, (request.params as AppIdParams).appId),
  );
}
