import { Type, type Static } from '@sinclair/typebox';

/** Apps, their Purchasely webhook secrets and SDK keys. */

const WebhookSecret = Type.String({ minLength: 1, maxLength: 1024, description: "Purchasely's client shared secret" });

export const AppCreateIn = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), webhookSecret: WebhookSecret }, { additionalProperties: false });
export type AppCreateIn = Static<typeof AppCreateIn>;

export const AppPatchIn = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    signatureToleranceSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    allowLegacySignatures: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AppPatchIn = Static<typeof AppPatchIn>;

export const WebhookSecretIn = Type.Object({ secret: WebhookSecret }, { additionalProperties: false });
export type WebhookSecretIn = Static<typeof WebhookSecretIn>;

export const AppOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  webhookPath: Type.String(),
  signatureToleranceSeconds: Type.Integer(),
  allowLegacySignatures: Type.Boolean(),
  previousWebhookSecretActive: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type AppOut = Static<typeof AppOut>;

export const AppListOut = Type.Object({ items: Type.Array(AppOut) });
export type AppListOut = Static<typeof AppListOut>;

/** `POST /apps`: the app and its SDK key, shown this once. */
export const AppCreatedOut = Type.Intersect([AppOut, Type.Object({ sdkKey: Type.String() })]);
export type AppCreatedOut = Static<typeof AppCreatedOut>;

export const SdkKeyOut = Type.Object({ sdkKey: Type.String() });
export type SdkKeyOut = Static<typeof SdkKeyOut>;
