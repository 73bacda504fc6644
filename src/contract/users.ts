import { Type, type Static } from '@sinclair/typebox';

/** `DELETE /apps/{appId}/users/{userKey}`: privacy erasure of one user. */
export const EraseQuery = Type.Object({
  clevertap: Type.Optional(
    Type.Boolean({ description: "Also delete the user's CleverTap profiles through CleverTap's Delete User Profile API (answer 200 saying whether it succeeded)" }),
  ),
});
export type EraseQuery = Static<typeof EraseQuery>;

/** With `?clevertap=true`: what CleverTap's Delete User Profile API said. */
export const ClevertapErasureOut = Type.Object({
  erased: Type.Literal(true),
  clevertap: Type.Object({
    ok: Type.Boolean({ description: 'CleverTap accepted every deletion (also when there was nothing to delete)' }),
    message: Type.String(),
    identifiers: Type.Object({ identity: Type.Array(Type.String()), guid: Type.Array(Type.String()) }),
    requests: Type.Array(
      Type.Object({
        account: Type.String(),
        by: Type.String({ description: 'identity | guid' }),
        count: Type.Integer(),
        ok: Type.Boolean(),
        httpStatus: Type.Union([Type.Integer(), Type.Null()]),
        message: Type.String(),
      }),
    ),
  }),
});
export type ClevertapErasureOut = Static<typeof ClevertapErasureOut>;
