import type { FastifyReply, FastifyRequest } from 'fastify';
import { AttributesIn, AttributesOut, errorResponses, HeldRecordsOut, NoContent, UserParams } from '../../../contract/index.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { deleteClevertapId, getClevertapId, setClevertapId } from '../../../identity/clevertap-id-service.js';
import { constantTimeEqual } from '../../../secrets.js';
import type { AdminAuth } from '../../plugins/admin-auth.js';
import type { TypedFastify } from '../../schemas.js';

const SDK_KEY_HEADER = 'x-api-key';

// Skips the /api/v1 admin check: each route runs its own (the SDK key is accepted on PUT).
const PUBLIC = { public: true } as Record<string, unknown>;

/**
 * A user's CleverTap ID (SPEC §2, §4 "Identity"). Every method takes the admin token or
 * session; `PUT` also takes the app's SDK key in `X-Api-Key`, which can do nothing else (it
 * ships inside apps). Setting an ID releases the user's held records at once.
 */
export async function attributesRoutes(app: TypedFastify, opts: { ctx: AppContext; auth: AdminAuth }): Promise<void> {
  const { ctx, auth } = opts;
  const tags = ['identity'];
  const path = '/apps/:appId/users/:userKey/attributes';

  /** The hooks run before validation: the router's path parameters are strings all the same. */
  type UserRequest = FastifyRequest<{ Params: UserParams }>;

  async function requireAdminAndApp(request: UserRequest, reply: FastifyReply): Promise<void> {
    await auth.requireAdmin(request, reply);
    await requireAppExists(request);
  }

  async function requireAppExists(request: UserRequest): Promise<void> {
    const { appId } = request.params;
    // `unknown_app`, not `not_found`: a client tells "no such app" from "no ID set".
    if (!(await ctx.store.apps.get(appId))) throw new AppError('unknown_app', `No app with id ${appId}.`);
  }

  /** The SDK key when one is sent, else the admin token or session; a throttled address gets 429 first either way. */
  async function requireSdkKeyOrAdmin(request: UserRequest, reply: FastifyReply): Promise<void> {
    const key = request.headers[SDK_KEY_HEADER];
    if (key === undefined) return requireAdminAndApp(request, reply);
    await auth.failures.check(request, reply);
    const { appId } = request.params;
    const stored = await ctx.store.apps.get(appId);
    // An unknown app and a wrong key answer alike, so the SDK key cannot probe for app ids.
    const digest = ctx.secrets.digest(typeof key === 'string' ? key : '');
    if (!stored || !constantTimeEqual(digest, stored.sdkKeyDigest)) {
      await auth.failures.record(request);
      throw new AppError('unauthorized', 'The X-Api-Key header is not the SDK key of this app.');
    }
  }

  app.put(
    path,
    {
      config: PUBLIC,
      onRequest: requireSdkKeyOrAdmin,
      schema: {
        tags,
        summary: "Set a user's CleverTap ID (admin token or the app's SDK key in X-Api-Key)",
        params: UserParams,
        body: AttributesIn,
        response: { 200: AttributesOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId, userKey } = request.params;
      const result = await setClevertapId(ctx, appId, userKey, request.body.clevertap_id);
      return { clevertap_id: result.clevertapId };
    },
  );

  app.get(
    path,
    {
      config: PUBLIC,
      onRequest: requireAdminAndApp,
      schema: { tags, summary: "Get a user's CleverTap ID", params: UserParams, response: { 200: AttributesOut, ...errorResponses(401, 404) } },
    },
    async (request) => {
      const { appId, userKey } = request.params;
      const clevertapId = await getClevertapId(ctx, appId, userKey);
      if (clevertapId === null) throw new AppError('not_found', `No CleverTap ID is set for user ${userKey}.`);
      return { clevertap_id: clevertapId };
    },
  );

  app.delete(
    path,
    {
      config: PUBLIC,
      onRequest: requireAdminAndApp,
      schema: { tags, summary: "Forget a user's CleverTap ID", params: UserParams, response: { 204: NoContent, ...errorResponses(401, 404) } },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params;
      if (!(await deleteClevertapId(ctx, appId, userKey))) {
        throw new AppError('not_found', `No CleverTap ID is set for user ${userKey}.`);
      }
      return reply.status(204).send();
    },
  );

  app.get(
    '/apps/:appId/users/:userKey/held-records',
    {
      config: PUBLIC,
      onRequest: requireAdminAndApp,
      schema: {
        tags,
        summary: "A user's records held until its CleverTap ID is set (oldest first, at most 200)",
        params: UserParams,
        response: { 200: HeldRecordsOut, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { appId, userKey } = request.params;
      const held = await ctx.store.outbox.listHeld(appId, userKey, 200);
      return {
        items: held.map((r) => ({
          id: r.id,
          eventId: r.eventId,
          kind: r.kind,
          holdUntil: r.holdUntil === null ? null : new Date(r.holdUntil).toISOString(),
          createdAt: new Date(r.createdAt).toISOString(),
        })),
      };
    },
  );
}
