import { createUploadClient, type UploadClient } from '../../../clevertap/upload-client.js';
import type { AppContext } from '../../../context.js';
import type { TypedFastify } from '../../schemas.js';

/**
 * An upload client for the occasional request a route makes (a credential test, a dry run):
 * the configured timeout and base URL, two connections, closed with the app.
 */
export function routeUploadClient(app: TypedFastify, ctx: AppContext): UploadClient {
  const client = createUploadClient({
    timeoutMs: ctx.config.clevertapTimeoutMs,
    ...(ctx.config.clevertapBaseUrl ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
    maxConnectionsPerHost: 2,
  });
  app.addHook('onClose', async () => client.close());
  return client;
}
