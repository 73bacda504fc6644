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

/** Standard error answers, so the OpenAPI document lists them for every route. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((s) => [s, Type.Ref('ErrorOut')]));
}
