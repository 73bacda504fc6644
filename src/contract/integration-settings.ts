/**
 * The per-app CleverTap integration settings (SPEC §3) as TypeBox schemas, with the
 * TypeScript types derived from them.
 *
 * Three shapes, named after svix's XxxIn / XxxOut habit:
 * - `IntegrationSettings`: what the store keeps. Passcodes are NOT part of it: the store
 *   encrypts them and keeps them apart, so a settings object can be logged or returned safely.
 * - `IntegrationSettingsIn`: what `PUT` / `PATCH` accept. Every field is optional (omitted
 *   fields take their defaults on `PUT`, keep their value on `PATCH`); `passcode` and
 *   `sandboxAccount.passcode` are write-only.
 * - `IntegrationSettingsOut`: what `GET` returns: the stored form plus `passcodeSet` flags.
 *
 * The `In` schema documents the body for OpenAPI; real validation (with one message per
 * invalid field) is `applyPut` / `applyMergePatch`, so routes should not let Fastify reject
 * the body with its own generic error first.
 */
import { Type, type Static } from '@sinclair/typebox';
import { REGIONS } from './regions.js';

/** How events of Purchasely's SANDBOX environment are treated. */
export const SANDBOX_MODES = ['skip', 'same_account', 'sandbox_account'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** How a record's CleverTap identity is chosen when it is sent (SPEC §4 "Identity"). */
export const IDENTITY_MODES = ['auto', 'object_id', 'identity'] as const;
export type IdentityMode = (typeof IDENTITY_MODES)[number];

/** Which amount a `Charged` event carries: the app's integration currency or the customer's. */
export const REVENUE_CURRENCIES = ['integration', 'customer'] as const;
export type RevenueCurrency = (typeof REVENUE_CURRENCIES)[number];

const RegionSchema = Type.Union(
  REGIONS.map((r) => Type.Literal(r)),
  { description: 'CleverTap region of the account', default: 'eu1' },
);

const literalUnion = <T extends readonly string[]>(values: T, description: string, def: T[number]) =>
  Type.Union(
    values.map((v: T[number]) => Type.Literal(v)),
    { description, default: def },
  );

/** One event or user property toggle, as stored: the CleverTap name is always resolved. */
export const MappingEntrySchema = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Send this event / property to CleverTap' }),
    name: Type.String({ description: 'Name used in CleverTap (defaults to the Purchasely name)' }),
  },
  { additionalProperties: false },
);
export type MappingEntry = Static<typeof MappingEntrySchema>;

const IdentitySchema = Type.Object(
  {
    mode: literalUnion(IDENTITY_MODES, 'auto: CleverTap ID else user_id; object_id: CleverTap ID only; identity: user_id only', 'auto'),
    holdFor: Type.String({ description: "How long a record waits for a CleverTap ID, e.g. '24h', '30m', '7d'", default: '24h' }),
  },
  { additionalProperties: false },
);

const RevenueSchema = Type.Object(
  {
    chargedEvent: Type.Boolean({ description: 'Also send a CleverTap Charged event for TRANSACTION_PROCESSED', default: false }),
    currency: literalUnion(REVENUE_CURRENCIES, 'Amount in the integration currency or in the customer currency', 'integration'),
  },
  { additionalProperties: false },
);

/** The stored settings (no passcodes). */
export const IntegrationSettingsSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    region: RegionSchema,
    accountId: Type.String({ description: 'CleverTap account ("Project") ID; empty until set' }),
    sandbox: literalUnion(SANDBOX_MODES, 'What to do with SANDBOX events', 'skip'),
    sandboxAccount: Type.Object(
      { region: RegionSchema, accountId: Type.String() },
      { additionalProperties: false, description: 'Account receiving SANDBOX events when sandbox is sandbox_account' },
    ),
    events: Type.Record(Type.String(), MappingEntrySchema),
    userProperties: Type.Record(Type.String(), MappingEntrySchema),
    identity: IdentitySchema,
    revenue: RevenueSchema,
  },
  { additionalProperties: false },
);
export type IntegrationSettings = Static<typeof IntegrationSettingsSchema>;

const MappingEntryInSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: false })),
    name: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'CleverTap name; null, empty or omitted = the Purchasely name' })),
  },
  { additionalProperties: false },
);

/** What PUT / PATCH accept. Passcodes are write-only: omitted means "keep the stored one". */
export const IntegrationSettingsInSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: false })),
    region: Type.Optional(RegionSchema),
    accountId: Type.Optional(Type.String()),
    passcode: Type.Optional(Type.String({ description: 'Write-only; omitted keeps the stored passcode' })),
    passcodeSet: Type.Optional(Type.Boolean({ description: 'Read-only (from GET); ignored' })),
    sandbox: Type.Optional(literalUnion(SANDBOX_MODES, 'What to do with SANDBOX events', 'skip')),
    sandboxAccount: Type.Optional(
      Type.Object(
        {
          region: Type.Optional(RegionSchema),
          accountId: Type.Optional(Type.String()),
          passcode: Type.Optional(Type.String({ description: 'Write-only; omitted keeps the stored passcode' })),
          passcodeSet: Type.Optional(Type.Boolean({ description: 'Read-only (from GET); ignored' })),
        },
        { additionalProperties: false },
      ),
    ),
    events: Type.Optional(Type.Record(Type.String(), MappingEntryInSchema)),
    userProperties: Type.Optional(Type.Record(Type.String(), MappingEntryInSchema)),
    identity: Type.Optional(Type.Partial(IdentitySchema)),
    revenue: Type.Optional(Type.Partial(RevenueSchema)),
  },
  { additionalProperties: false, description: 'Read-only fields of the GET answer (passcodeSet) are accepted and ignored' },
);
export type IntegrationSettingsIn = Static<typeof IntegrationSettingsInSchema>;

/** What GET returns: never a passcode, only whether one is stored. */
export const IntegrationSettingsOutSchema = Type.Object(
  {
    ...IntegrationSettingsSchema.properties,
    passcodeSet: Type.Boolean(),
    sandboxAccount: Type.Object({ region: RegionSchema, accountId: Type.String(), passcodeSet: Type.Boolean() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type IntegrationSettingsOut = Static<typeof IntegrationSettingsOutSchema>;
