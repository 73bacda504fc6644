import { createProfileClient } from '../../../clevertap/profile-client.js';
import type { AppContext } from '../../../context.js';
import { readProfileView } from '../../../profiles/profile-view.js';
import { resendProfile } from '../../../profiles/resend-profile.js';
import { EnvironmentQuery, errorResponses, ProfileViewOut, ResendProfileOut, UserParams } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/**
 * What CleverTap holds of a user beside pcbridge's snapshot, and the resend of the whole
 * profile (issue 14).
 */
export async function clevertapProfileRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const client = createProfileClient({
    timeoutMs: ctx.config.clevertapTimeoutMs,
    ...(ctx.config.clevertapBaseUrl ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
  });
  app.addHook('onClose', async () => client.close());
  const tags = ['users'];

  app.get(
    '/apps/:appId/users/:userKey/clevertap-profile',
    {
      schema: {
        tags,
        summary: "pcbridge's view of the user's profile beside CleverTap's (Get User Profile API), and the differences",
        params: UserParams,
        querystring: EnvironmentQuery,
        response: { 200: ProfileViewOut, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { appId, userKey } = request.params;
      const { environment } = request.query;
      return readProfileView(ctx, client, appId, userKey, environment !== undefined ? { environment } : {});
    },
  );

  app.post(
    '/apps/:appId/users/:userKey/resend-profile',
    {
      schema: {
        tags,
        summary: 'Queue a profile record with the whole current snapshot (and removals), in order with the user’s other records',
        params: UserParams,
        querystring: EnvironmentQuery,
        response: { 202: ResendProfileOut, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params;
      const { environment } = request.query;
      const result = await resendProfile(ctx, appId, userKey, environment !== undefined ? { environment } : {});
      return reply.status(202).send(result);
    },
  );
}
