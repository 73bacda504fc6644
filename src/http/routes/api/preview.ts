import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import { createUploadClient } from '../../../clevertap/upload-client.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { DRY_RUN_IDENTITY, DryRunLimitError, dryRunRecords, type DryRunResult } from '../../../preview/dry-run.js';
import { previewPayload } from '../../../preview/preview-payload.js';
import { AppIdParams, errorResponses } from '../../schemas.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../webhooks/purchasely.js';

const PreviewIn = Type.Object(
  {
    payload: Type.Unknown({ description: 'A Purchasely payload (JSON object), or the raw body as a string' }),
    validate: Type.Optional(Type.Boolean({ default: false, description: `Also ask CleverTap (/1/upload?dryRun=1, every identifier replaced by "${DRY_RUN_IDENTITY}"); at most 10 per app per minute` })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const PreviewRecordOut = Type.Object({
  userKey: Type.String(),
  kind: Type.String({ description: 'event | profile | charged' }),
  account: Type.String({ description: 'main | sandbox' }),
  identifier: Type.Unknown({ description: '{"identity": …} or {"objectId": …} as resolved now; null while the user has none' }),
  held: Type.Boolean({ description: 'The record would wait for a CleverTap ID' }),
  state: Type.String({ description: 'pending | held | skipped, as processing would write it' }),
  body: Type.Unknown({ description: 'The CleverTap record as it would be sent' }),
});

const DryRunOut = Type.Object({
  identity: Type.String({ description: 'The sentinel identity every record was sent with' }),
  requests: Type.Array(
    Type.Object({
      account: Type.String(),
      records: Type.Array(Type.Integer()),
      outcome: Type.String({ description: 'success | partial | auth_failed | bad_request | throttled | retryable | not_configured' }),
      httpStatus: Type.Union([Type.Integer(), Type.Null()]),
      status: Nullable(Type.String()),
      processed: Type.Union([Type.Integer(), Type.Null()]),
      unprocessed: Type.Array(Type.Object({ record: Type.Union([Type.Integer(), Type.Null()]), code: Type.Integer(), error: Type.String() })),
      message: Type.String(),
    }),
  ),
  records: Type.Array(
    Type.Object({
      account: Type.String(),
      verdict: Type.String({ description: 'accepted | refused | not_checked' }),
      code: Type.Union([Type.Integer(), Type.Null()]),
      message: Nullable(Type.String()),
    }),
  ),
});

const PreviewOut = Type.Object({
  eventName: Nullable(Type.String()),
  eventId: Nullable(Type.String()),
  outcome: Type.String({ description: 'records | skipped' }),
  reason: Nullable(Type.String({ description: 'A quarantine or skip reason of the log' })),
  note: Nullable(Type.String()),
  duplicate: Type.Boolean({ description: 'This event_id is already stored: the webhook would take it as a retry and store nothing' }),
  records: Type.Array(PreviewRecordOut),
  clevertap: Type.Union([DryRunOut, Type.Null()]),
});

/**
 * Preview and dry run (issue 14): what a payload would become, changing nothing; with
 * `validate`, CleverTap's verdict through `/1/upload?dryRun=1` under a sentinel identity.
 */
export async function previewRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const client = createUploadClient({
    timeoutMs: ctx.config.clevertapTimeoutMs,
    ...(ctx.config.clevertapBaseUrl ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
    maxConnectionsPerHost: 2,
  });
  app.addHook('onClose', async () => client.close());

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
        const body = request.body as unknown;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new AppError('invalid_json', 'The body must be a JSON object: {"payload": <a Purchasely payload>, "validate": false}.');
        }
        if (!Object.hasOwn(body, 'payload')) {
          throw new AppError('validation_failed', 'The request is not valid: see details.', [{ path: '/payload', message: 'is required' }]);
        }
      },
    },
    async (request, reply) => {
      const { appId } = request.params as Static<typeof AppIdParams>;
      const { payload, validate } = request.body as Static<typeof PreviewIn>;
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
