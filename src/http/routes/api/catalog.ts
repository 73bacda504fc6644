import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireApp } from '../../../apps/apps-service.js';
import type { AppContext } from '../../../context.js';
import { EVENT_CATALOG, USER_PROPERTY_CATALOG } from '../../../purchasely/catalog.js';
import { AppIdParams, errorResponses } from '../../schemas.js';

const CatalogOut = Type.Object({
  events: Type.Array(
    Type.Object({
      name: Type.String(),
      category: Type.String({ description: 'entitlement, lifecycle, offer or transactional' }),
      group: Type.Union([Type.String(), Type.Null()], { description: 'Lifecycle sub-group or offer kind' }),
      description: Type.String(),
    }),
  ),
  userProperties: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.String({ description: 'string, boolean, date or number' }),
      description: Type.String(),
      origin: Type.Union([Type.Literal('purchasely'), Type.Literal('pcbridge')], {
        description: "purchasely: a property of Purchasely's own CRM integrations, under its name; pcbridge: an extra of this bridge",
      }),
    }),
  ),
});

type AppIdParams = Static<typeof AppIdParams>;

/** Every Purchasely server event and user property the bridge knows (SPEC §2, §4). */
export async function catalogRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
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
      await requireApp(ctx, (request.params as AppIdParams).appId);
      return {
        events: EVENT_CATALOG.map(({ name, category, group, description }) => ({ name, category, group, description })),
        userProperties: USER_PROPERTY_CATALOG.map(({ name, type, description, origin }) => ({ name, type, description, origin })),
      };
    },
  );
}
