import { Type, type Static } from '@sinclair/typebox';
import type { EventCategory, UserPropertyType } from '../purchasely/catalog.js';

/** `GET /apps/{appId}/catalog`: every Purchasely server event and user property the bridge knows. */
export const CatalogEventOut = Type.Object({
  name: Type.String(),
  category: Type.Unsafe<EventCategory>(Type.String({ description: 'entitlement, lifecycle, offer or transactional' })),
  group: Type.Union([Type.String(), Type.Null()], { description: 'Lifecycle sub-group or offer kind' }),
  description: Type.String(),
});
export type CatalogEventOut = Static<typeof CatalogEventOut>;

export const CatalogUserPropertyOut = Type.Object({
  name: Type.String(),
  type: Type.Unsafe<UserPropertyType>(Type.String({ description: 'string, boolean, date or number' })),
  description: Type.String(),
  origin: Type.Union([Type.Literal('purchasely'), Type.Literal('pcbridge')], {
    description: "purchasely: a property of Purchasely's own CRM integrations, under its name; pcbridge: an extra of this bridge",
  }),
});
export type CatalogUserPropertyOut = Static<typeof CatalogUserPropertyOut>;

export const CatalogOut = Type.Object({ events: Type.Array(CatalogEventOut), userProperties: Type.Array(CatalogUserPropertyOut) });
export type CatalogOut = Static<typeof CatalogOut>;
