import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import { createProfileClient } from '../../../clevertap/profile-client.js';
import type { AppContext } from '../../../context.js';
import { collectClevertapIdentifiers, deleteClevertapProfiles } from '../../../erasure/erase-clevertap-profile.js';
import { eraseUser } from '../../../erasure/erase-user.js';
import { errorResponses, UserParams } from '../../schemas.js';

const EraseQuery = Type.Object({
  clevertap: Type.Optional(Type.Boolean({ description: "Also delete the user's CleverTap profiles through CleverTap's Delete User Profile API (answer 200 saying whether it succeeded)" })),
});

const ClevertapErasureOut = Type.Object({
  erased: Type.Literal(true),
  clevertap: Type.Object({
    ok: Type.Boolean({ description: 'CleverTap accepted every deletion (also when there was nothing to delete)' }),
    message: Type.String(),
    identifiers: Type.Object({ identity: Type.Array(Type.String()), guid: Type.Array(Type.String()) }),
    requests: Type.Array(
      Type.Object({
        account: Type.String(),
        by: Type.String({ description: 'identity | guid' }),
        count: Type.Integer(),
        ok: Type.Boolean(),
        httpStatus: Type.Union([Type.Integer(), Type.Null()]),
        message: Type.String(),
      }),
    ),
  }),
});

/** Privacy erasure of one user (SPEC §2). */
export async function usersRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const profiles = createProfileClient({
    timeoutMs: ctx.config.clevertapTimeoutMs,
    ...(ctx.config.clevertapBaseUrl ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
  });
  app.addHook('onClose', async () => profiles.close());
  app.delete(
    '/apps/:appId/users/:userKey',
    {
      schema: {
        tags: ['users'],
        summary: 'Erase what is stored about a user (payloads, attributes, state); the log keeps tombstones',
        params: UserParams,
        querystring: EraseQuery,
        response: { 200: ClevertapErasureOut, 204: Type.Null(), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params as Static<typeof UserParams>;
      if (!(request.query as Static<typeof EraseQuery>).clevertap) {
        await eraseUser(ctx, appId, userKey);
        return reply.status(204).send();
      }
      // The identifiers first: the erasure forgets them. CleverTap is asked once it committed.
      await requireApp(ctx, appId);
      const identifiers = await collectClevertapIdentifiers(ctx, appId, userKey);
      await eraseUser(ctx, appId, userKey);
      return { erased: true as const, clevertap: await deleteClevertapProfiles(ctx, profiles, appId, identifiers) };
    },
  );
}
