import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../../../purchasely/catalog.js';
import { AppIdParams, CatalogOut, errorResponses } from '../../../contract/index.js';
import type { TypedFastify } from '../../schemas.js';

/** Every Purchasely server event and user property the bridge knows (SPEC §2, §4). */
export async function catalogRoutes(app: TypedFastify, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get(
    '/apps/:appId/catalog',
    {
      schema: {
        tags: ['integrations'],
        summary: 'List the Purchasely events and user properties that can be sent to CleverTap',
        params: AppIdParams,
        response: { 200: CatalogOut, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      await requireApp(ctx, request.params.appId);
      return {
        events: EVENT_CATALOG.map(({ name, category, group, description }) => ({ name, category, group, description })),
        userProperties: USER_PROPERTY_CATALOG.map(({ name, type, description, origin }) => ({ name, type, description, origin })),
      };
    },
  );
}
