import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { resumeAppAccounts } from '../../../delivery/resume-account.js';
import { AppIdParams, errorResponses, ResumeOut } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** Resumes CleverTap delivery paused by a 401/403 (SPEC §5). */
export async function resumeRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
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
      const { appId } = request.params;
      await requireApp(ctx, appId);
      return resumeAppAccounts(ctx, appId);
    },
  );
}
