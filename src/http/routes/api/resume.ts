import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { resumeAppAccounts } from '../../../delivery/resume-account.js';
import { AppIdParams, errorResponses } from '../../schemas.js';

const ResumeOut = Type.Object({
  accounts: Type.Array(
    Type.Object({
      accountKey: Type.String({ description: '`region:accountId`' }),
      target: Type.String({ description: 'Which records go there: main, sandbox or both' }),
      wasPaused: Type.Boolean({ description: 'True when delivery had been paused by an authentication failure' }),
    }),
  ),
});

/** Resumes CleverTap delivery paused by a 401/403 (SPEC §5). */
export async function resumeRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.post(
    '/apps/:appId/integrations/clevertap/resume',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Resume delivery paused by an authentication failure',
        description: 'Records waiting for the paused account go out again within about a second; nothing was dropped meanwhile.',
        params: AppIdParams,
        response: { 200: ResumeOut, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { appId } = request.params as { appId: string };
      await requireApp(ctx, appId);
      return resumeAppAccounts(ctx, appId);
    },
  );
}
