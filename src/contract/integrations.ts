import { Type, type Static } from '@sinclair/typebox';
import { REGIONS } from './regions.js';

/**
 * The CleverTap integration of an app: its settings (integration-settings.ts), the credential
 * check and the resume of a delivery paused by an authentication failure.
 */

/** `POST …/integrations/clevertap/test`: any field given replaces the saved one. */
export const CredentialTestIn = Type.Object(
  {
    region: Type.Optional(
      Type.Union(
        REGIONS.map((r) => Type.Literal(r)),
        { description: 'Defaults to the saved region' },
      ),
    ),
    accountId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Defaults to the saved account ID' })),
    passcode: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Defaults to the saved passcode' })),
    target: Type.Optional(Type.Union([Type.Literal('main'), Type.Literal('sandbox')], { description: 'Saved account to start from (default main)' })),
  },
  { additionalProperties: false },
);
export type CredentialTestIn = Static<typeof CredentialTestIn>;

export const CredentialTestOut = Type.Object({
  ok: Type.Boolean(),
  message: Type.String(),
  reason: Type.Optional(Type.Union([Type.Literal('auth_failed'), Type.Literal('unreachable')])),
  acceptedRegion: Type.Optional(Type.String({ description: 'The region that accepts these credentials, when another one does' })),
});
export type CredentialTestOut = Static<typeof CredentialTestOut>;

export const ResumeOut = Type.Object({
  accounts: Type.Array(
    Type.Object({
      accountKey: Type.String({ description: '`region:accountId`' }),
      target: Type.String({ description: 'Which records go there: main, sandbox or both' }),
      wasPaused: Type.Boolean({ description: 'True when delivery had been paused by an authentication failure' }),
    }),
  ),
});
export type ResumeOut = Static<typeof ResumeOut>;
