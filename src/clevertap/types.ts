/**
 * The shapes of the records pcbridge sends to CleverTap's `POST /1/upload`
 * (see /work/shared/reference/clevertap.md, "Body").
 */
import type { Region } from './regions.js';

/** A property value CleverTap stores as is: a string (also `"$D_<seconds>"` dates), number or boolean. */
export type Scalar = string | number | boolean;

/** One line item of a `Charged` event: a flat object. */
export type ChargedItem = Record<string, string | number | boolean>;

/** The `Items` of a `Charged` event (at most 256). */
export type ChargedItems = ChargedItem[];

/**
 * Event properties: scalars, plus `Items` (a {@link ChargedItems} array) on the `Charged`
 * event only — the naming validators reject arrays anywhere else.
 */
export type EventData = Record<string, Scalar | ChargedItems>;

/** An event record without its identifier. `ts` is Unix seconds. */
export type EventRecordBody = {
  type: 'event';
  evtName: string;
  evtData: EventData;
  ts: number;
};

/**
 * The profile command that removes a property: `{"<key>": {"$delete": true}}`, as CleverTap's
 * SDKs send it (docs/clevertap-mapping.md, "Clearing a property", gives the sources).
 */
export type ProfileDelete = { $delete: true };

/** What one profile key is set to: a value, or the command that removes it. */
export type ProfileValue = Scalar | ProfileDelete;

/** A profile record without its identifier. `ts` is Unix seconds. */
export type ProfileRecordBody = {
  type: 'profile';
  profileData: Record<string, ProfileValue>;
  ts: number;
};

/** Either record kind, before an identity is resolved. */
export type RecordBody = EventRecordBody | ProfileRecordBody;

/** Who the record is about: the app's own user ID (`identity`) or CleverTap's ID (`objectId`). */
export type Identifier = { identity: string } | { objectId: string };

/** A record ready to send. */
export type CleverTapRecord = RecordBody & Identifier;

/** Credentials of one CleverTap account (project). The passcode is a secret: never log it. */
export type CleverTapAccount = { region: Region; accountId: string; passcode: string };
