import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { eraseUser } from '../../../integrations/erase-user.js';
import { errorResponses, UserParams } from '../../schemas.js';

/** Privacy erasure of one user (SPEC §2). */
export async function usersRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.delete(
    '/apps/:appId/users/:userKey',
    {
      schema: {
        tags: ['users'],
        summary: 'Erase what is stored about a user (payloads, attributes, state); the log keeps tombstones',
        params: UserParams,
        response: { 204: Type.Null(), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { appId, userKey } = request.params as Static<typeof UserParams>;
      await eraseUser(ctx, appId, userKey);
      return reply.status(204).send();
    },
  );
}
