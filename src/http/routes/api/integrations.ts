import { routeUploadClient } from './route-upload-client.js';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { getIntegrationSettings, saveIntegrationSettings } from '../../../settings/integration-settings-service.js';
import { testCredentials } from '../../../settings/test-credentials.js';
import { AppIdParams, CredentialTestIn, CredentialTestOut, errorResponses, IntegrationSettingsInSchema, Nullable, IntegrationSettingsOutSchema } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/**
 * PUT/PATCH schemas document the route for OpenAPI only: `applyPut` / `applyMergePatch` validate
 * the body in one pass with a message per invalid field, which Ajv's generic errors would
 * pre-empt (the app id is checked against the store anyway).
 */
const documentOnly = () => () => true;

/** CleverTap integration settings and the credential check (SPEC §2, §3, §5). */
export async function integrationsRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const tags = ['integrations'];
  const path = '/apps/:appId/integrations/clevertap';
  const client = routeUploadClient(app, ctx);

  // RFC 7396 names its own media type; accept it beside application/json.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new AppError('invalid_json', 'The body is not valid JSON.'), undefined);
    }
  });

  app.get(
    path,
    {
      schema: {
        tags,
        summary: 'Get the CleverTap integration settings (never the passcode, only passcodeSet)',
        params: AppIdParams,
        response: { 200: IntegrationSettingsOutSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => getIntegrationSettings(ctx, request.params.appId),
  );

  for (const method of ['put', 'patch'] as const) {
    app[method](
      path,
      {
        schema: {
          tags,
          summary:
            method === 'put'
              ? 'Replace the settings (omitted fields take their defaults; an omitted passcode is kept)'
              : 'Change the settings with a JSON merge patch (an omitted passcode is kept)',
          params: AppIdParams,
          body: IntegrationSettingsInSchema,
          response: { 200: IntegrationSettingsOutSchema, ...errorResponses(400, 401, 404, 422) },
        },
        validatorCompiler: documentOnly,
      },
      async (request) => saveIntegrationSettings(ctx, request.params.appId, request.body, method),
    );
  }

  app.post(
    `${path}/test`,
    {
      schema: {
        tags,
        summary: 'Check the saved (or given) credentials against CleverTap and say what is wrong',
        params: AppIdParams,
        body: Nullable(CredentialTestIn),
        response: { 200: CredentialTestOut, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => testCredentials(ctx, client, request.params.appId, request.body ?? {}),
  );
}
