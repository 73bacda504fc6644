import type { AppContext } from '../../../context.js';
import { listAppRejections, listUnknownAppRejections } from '../../../rejections/list-rejections.js';
import { AppIdParams, errorResponses, RejectionsOut, RejectionsQuery } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** Recently refused webhook requests (issue 14 "Refused requests"): per app, and for unknown app ids. */
export async function rejectionsRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['webhooks'];

  app.get(
    '/apps/:appId/rejections',
    {
      schema: {
        tags,
        summary: 'Webhook requests to this app refused with 401 or 413 (no body), newest first, and a count per reason over the last 24 h',
        params: AppIdParams,
        querystring: RejectionsQuery,
        response: { 200: RejectionsOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { appId } = request.params;
      return listAppRejections(ctx, appId, request.query.limit ?? 100);
    },
  );

  app.get(
    '/rejections',
    {
      schema: {
        tags,
        summary: 'Webhook requests to app ids that do not exist (404 unknown_app, no body), newest first, and a count per reason over the last 24 h',
        querystring: RejectionsQuery,
        response: { 200: RejectionsOut, ...errorResponses(401, 422) },
      },
    },
    async (request) => listUnknownAppRejections(ctx, request.query.limit ?? 100),
  );
}
