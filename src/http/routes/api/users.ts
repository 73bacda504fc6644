import { requireApp } from '../../../apps/apps-service.js';
import { createProfileClient } from '../../../clevertap/profile-client.js';
import type { AppContext } from '../../../context.js';
import { collectClevertapIdentifiers, deleteClevertapProfiles } from '../../../erasure/erase-clevertap-profile.js';
import { eraseUser } from '../../../erasure/erase-user.js';
import { ClevertapErasureOut, EraseQuery, errorResponses, NoContent, UserParams } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** Privacy erasure of one user (SPEC §2). */
export async function usersRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
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
        response: { 200: ClevertapErasureOut, 204: NoContent, ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params;
      if (!request.query.clevertap) {
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
