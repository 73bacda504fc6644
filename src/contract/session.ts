import { Type, type Static } from '@sinclair/typebox';

/** `POST /session`: the dashboard's login with the admin token. */
export const SessionIn = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
export type SessionIn = Static<typeof SessionIn>;
