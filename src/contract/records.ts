import { Type } from '@sinclair/typebox';

/** Words shared by the answers that show CleverTap records (preview, profiles, events). */

/** How a record names its CleverTap profile. */
export type ClevertapIdentifier = { identity: string } | { objectId: string };

/** The CleverTap account a record goes to. */
export const RecordTargetOut = Type.Unsafe<'main' | 'sandbox'>(Type.String({ description: 'main | sandbox' }));

/** What a record is. */
export const RecordKindOut = Type.Unsafe<'event' | 'profile' | 'charged'>(Type.String({ description: 'event | profile | charged' }));
