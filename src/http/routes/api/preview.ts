import { requireApp } from '../../../apps/apps-service.js';
import { routeUploadClient } from './route-upload-client.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { DryRunLimitError, dryRunRecords, type DryRunResult } from '../../../preview/dry-run.js';
import { previewPayload } from '../../../preview/preview-payload.js';
import { AppIdParams, errorResponses, PreviewIn, PreviewOut } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../webhooks/purchasely.js';

/**
 * Preview and dry run (issue 14): what a payload would become, changing nothing; with
 * `validate`, CleverTap's verdict through `/1/upload?dryRun=1` under a sentinel identity.
 */
export async function previewRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const client = routeUploadClient(app, ctx);

  app.post(
    '/apps/:appId/preview',
    {
      schema: {
        tags: ['preview'],
        summary: 'The records a payload would produce now (nothing is stored or sent); validate asks CleverTap with dryRun=1',
        params: AppIdParams,
        body: PreviewIn,
        response: { 200: PreviewOut, ...errorResponses(400, 401, 404, 422, 429) },
      },
      // "Not a JSON object" is 400 invalid_json, as for the webhook; the schema then names what is missing.
      preValidation: async (request) => {
        const body: unknown = request.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new AppError('invalid_json', 'The body must be a JSON object: {"payload": <a Purchasely payload>, "validate": false}.');
        }
        if (!Object.hasOwn(body, 'payload')) {
          throw new AppError('validation_failed', 'The request is not valid: see details.', [{ path: '/payload', message: 'is required' }]);
        }
      },
    },
    async (request, reply) => {
      const { appId } = request.params;
      const { payload, validate } = request.body;
      await requireApp(ctx, appId);
      const { preview, integration } = await previewPayload(ctx, appId, payload, { maxBodyBytes: MAX_WEBHOOK_BODY_BYTES });
      let clevertap: DryRunResult | null = null;
      if (validate === true) {
        try {
          clevertap = await dryRunRecords(ctx, client, appId, integration, preview.records);
        } catch (err) {
          if (err instanceof DryRunLimitError) reply.header('retry-after', String(err.retryAfterSeconds));
          throw err;
        }
      }
      return { ...preview, clevertap };
    },
  );
}
