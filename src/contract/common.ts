import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_CODE_LIST, type ErrorCode } from './error-codes.js';

/** `T | null`, documented as such in OpenAPI. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An RFC 3339 time as the API writes it (`toISOString()`). */
export const DateTime = (options: { description?: string } = {}) => Type.String({ format: 'date-time', ...options });

/**
 * The error envelope of every error answer: `{"error": {code, message, details?}}`. `code` is
 * one of ERROR_CODES (error-codes.ts); `details` lists the invalid fields of a 422.
 */
export const ErrorOut = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>(Type.String({ enum: ERROR_CODE_LIST, description: 'A stable snake_case code' })),
      message: Type.String({ description: 'For a human; may change' }),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorOut' },
);
export type ErrorOut = Static<typeof ErrorOut>;

/** A reference to `ErrorOut` (the server adds the schema once, by its $id), typed as the envelope. */
const ErrorRef = Type.Unsafe<ErrorOut>(Type.Ref('ErrorOut'));

/** Standard error answers, so the OpenAPI document lists them for every route. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorRef])) as Record<S, typeof ErrorRef>;
}

/**
 * The longest `event_id`, `user_id` and `anonymous_user_id` ingest stores (in characters, as
 * src/purchasely/payload.ts and src/ingest/build-event-row.ts count them): every route that
 * names one accepts that much.
 */
export const MAX_ID_LENGTH = 256;

/** `{appId}` of every app route. */
export const AppIdParams = Type.Object({ appId: Type.String({ minLength: 1, maxLength: 64 }) });
export type AppIdParams = Static<typeof AppIdParams>;

/** `{userKey}`: a `user_id` or an `anonymous_user_id`. */
export const UserKeyParam = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: 'A user_id or an anonymous_user_id' });

/** `{eventId}`: Purchasely's `event_id`, or the `q_…` id of a quarantined payload without one. */
export const EventIdParam = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description: "Purchasely's event_id (or q_… for a quarantined payload)" });

export const UserParams = Type.Object({ appId: AppIdParams.properties.appId, userKey: UserKeyParam });
export type UserParams = Static<typeof UserParams>;
export const EventParams = Type.Object({ appId: AppIdParams.properties.appId, eventId: EventIdParam });
export type EventParams = Static<typeof EventParams>;

/** The answer of a 204: no body (typed `undefined`, so a handler ends it with `reply.send()`). */
export const NoContent = Type.Unsafe<undefined>(Type.Null());
