import { Type, type TSchema } from '@sinclair/typebox';

/** Shapes shared by many routes. Request and response shapes are named XxxIn / XxxOut. */
export const ErrorOut = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorOut' },
);

export const AppIdParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * The longest `event_id`, `user_id` and `anonymous_user_id` ingest stores (in characters, as
 * src/purchasely/payload.ts and src/ingest/build-event-row.ts count them): every route that
 * names one accepts that much.
 */
export const MAX_ID_LENGTH = 256;

/**
 * Fastify's router refuses longer path segments with 414 before any schema runs. It counts the
 * decoded segment, so this only has to exceed MAX_ID_LENGTH: a longer id then gets the schema's
 * 422 naming the parameter, and only absurd segments the 414.
 */
export const MAX_PARAM_LENGTH = 4 * MAX_ID_LENGTH;

/** `{userKey}`: a `user_id` or an `anonymous_user_id`. */
export const UserKeyParam = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: 'A user_id or an anonymous_user_id' });

/** `{eventId}`: Purchasely's `event_id`, or the `q_…` id of a quarantined payload without one. */
export const EventIdParam = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: "Purchasely's event_id (or q_… for a quarantined payload)" });

export const UserParams = Type.Object({ appId: AppIdParams.properties.appId, userKey: UserKeyParam });
export const EventParams = Type.Object({ appId: AppIdParams.properties.appId, eventId: EventIdParam });

/** Standard error answers, so the OpenAPI document lists them for every route. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorOut')]));
}
