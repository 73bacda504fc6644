import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createProfileClient } from '../../../clevertap/profile-client.js';
import type { AppContext } from '../../../context.js';
import { readProfileView } from '../../../profiles/profile-view.js';
import { resendProfile } from '../../../profiles/resend-profile.js';
import { errorResponses, UserParams } from '../../schemas.js';

const EnvironmentQuery = Type.Object({
  environment: Type.Optional(
    Type.String({ maxLength: 64, description: "The state's environment as the events named it (PRODUCTION, SANDBOX, or empty); default: the production one" }),
  ),
});

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Properties = Type.Record(Type.String(), Type.Unknown());

const ProfileViewOut = Type.Object({
  userKey: Type.String(),
  environment: Nullable(Type.String()),
  account: Nullable(Type.String({ description: 'main | sandbox; null when SANDBOX events are skipped' })),
  identifier: Type.Unknown({ description: '{"identity": …} or {"objectId": …} a record of the user would be sent with now; null while none' }),
  stale: Type.Boolean({ description: "The user's last profile record failed or was skipped" }),
  snapshot: Properties,
  lastDelivered: Type.Union([Properties, Type.Null()]),
  lastDeliveredAt: Nullable(Type.String({ format: 'date-time' })),
  pendingRecords: Type.Array(
    Type.Object({
      id: Type.Integer(),
      eventId: Type.String(),
      state: Type.String(),
      attempts: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      holdUntil: Nullable(Type.String({ format: 'date-time' })),
      lastMessage: Nullable(Type.String()),
    }),
  ),
  clevertap: Type.Union([Properties, Type.Null()]),
  lookup: Type.Object({
    status: Type.String({ description: 'found | not_found | not_asked | auth_failed | error' }),
    message: Type.String(),
  }),
  differences: Type.Array(Type.Object({ property: Type.String(), snapshot: Type.Unknown(), clevertap: Type.Unknown() })),
  equal: Type.Boolean(),
});

const ResendOut = Type.Object({
  requeued: Type.Integer(),
  recordId: Type.Integer(),
  state: Type.String({ description: 'pending, or held while the user has no CleverTap identifier' }),
});

/**
 * What CleverTap holds of a user beside pcbridge's snapshot, and the resend of the whole
 * profile (issue 14).
 */
export async function clevertapProfileRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
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
      const { appId, userKey } = request.params as Static<typeof UserParams>;
      const { environment } = request.query as Static<typeof EnvironmentQuery>;
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
        response: { 202: ResendOut, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params as Static<typeof UserParams>;
      const { environment } = request.query as Static<typeof EnvironmentQuery>;
      const result = await resendProfile(ctx, appId, userKey, environment !== undefined ? { environment } : {});
      return reply.status(202).send(result);
    },
  );
}
