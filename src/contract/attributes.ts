import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from './common.js';

/** A user's attributes; `clevertap_id` is CleverTap's own ID (its `objectId`). */
export const AttributesIn = Type.Object(
  {
    clevertap_id: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[\\x21-\\x7e]{1,64}$',
      description: '1–64 printable characters without spaces (CleverTapAPI.getCleverTapID())',
    }),
  },
  { additionalProperties: false },
);
export type AttributesIn = Static<typeof AttributesIn>;

export const AttributesOut = Type.Object({ clevertap_id: Type.String() });
export type AttributesOut = Static<typeof AttributesOut>;

/** One record held until the user's CleverTap ID is set. */
export const HeldRecordOut = Type.Object({
  id: Type.Integer(),
  eventId: Type.String(),
  kind: Type.String(),
  holdUntil: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
});
export type HeldRecordOut = Static<typeof HeldRecordOut>;

export const HeldRecordsOut = Type.Object({ items: Type.Array(HeldRecordOut) });
export type HeldRecordsOut = Static<typeof HeldRecordsOut>;
