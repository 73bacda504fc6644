import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from './common.js';
import { RecordKindOut, RecordTargetOut, type ClevertapIdentifier } from './records.js';

/** Preview and dry run: what a payload would become, changing nothing. */

export const PreviewIn = Type.Object(
  {
    payload: Type.Unknown({ description: 'A Purchasely payload (JSON object), or the raw body as a string' }),
    validate: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Also ask CleverTap (/1/upload?dryRun=1, every identifier replaced by the sentinel identity the answer names in clevertap.identity); at most 10 per app per minute',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PreviewIn = Static<typeof PreviewIn>;

/** One record the payload would produce. */
export const PreviewRecordOut = Type.Object({
  userKey: Type.String(),
  kind: RecordKindOut,
  account: RecordTargetOut,
  identifier: Type.Unsafe<ClevertapIdentifier | null>(Type.Unknown({ description: '{"identity": …} or {"objectId": …} as resolved now; null while the user has none' })),
  held: Type.Boolean({ description: 'The record would wait for a CleverTap ID' }),
  state: Type.Unsafe<'pending' | 'held' | 'skipped'>(Type.String({ description: 'pending | held | skipped, as processing would write it' })),
  body: Type.Unsafe<Record<string, unknown>>(Type.Unknown({ description: 'The CleverTap record as it would be sent' })),
});
export type PreviewRecordOut = Static<typeof PreviewRecordOut>;

/** One dry-run request: one per account the records go to. */
export const DryRunRequestOut = Type.Object({
  account: RecordTargetOut,
  records: Type.Array(Type.Integer()),
  outcome: Type.String({ description: 'success | partial | auth_failed | bad_request | throttled | retryable | not_configured' }),
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  status: Nullable(Type.String()),
  processed: Type.Union([Type.Integer(), Type.Null()]),
  unprocessed: Type.Array(Type.Object({ record: Type.Union([Type.Integer(), Type.Null()]), code: Type.Integer(), error: Type.String() })),
  message: Type.String(),
});
export type DryRunRequestOut = Static<typeof DryRunRequestOut>;

/** CleverTap's word on one record of the preview (same order as the preview's records). */
export const DryRunRecordVerdictOut = Type.Object({
  account: RecordTargetOut,
  verdict: Type.Unsafe<'accepted' | 'refused' | 'not_checked'>(Type.String({ description: 'accepted | refused | not_checked' })),
  code: Type.Union([Type.Integer(), Type.Null()]),
  message: Nullable(Type.String()),
});
export type DryRunRecordVerdictOut = Static<typeof DryRunRecordVerdictOut>;

/** The `clevertap` member of a validated preview. */
export const DryRunOut = Type.Object({
  identity: Type.String({ description: 'The sentinel identity every record was sent with' }),
  requests: Type.Array(DryRunRequestOut),
  records: Type.Array(DryRunRecordVerdictOut),
});
export type DryRunOut = Static<typeof DryRunOut>;

export const PreviewOut = Type.Object({
  eventName: Nullable(Type.String()),
  eventId: Nullable(Type.String()),
  outcome: Type.Unsafe<'records' | 'skipped'>(Type.String({ description: 'records | skipped' })),
  reason: Nullable(Type.String({ description: 'A quarantine or skip reason of the log' })),
  note: Nullable(Type.String()),
  duplicate: Type.Boolean({ description: 'This event_id is already stored: the webhook would take it as a retry and store nothing' }),
  records: Type.Array(PreviewRecordOut),
  clevertap: Type.Union([DryRunOut, Type.Null()]),
});
export type PreviewOut = Static<typeof PreviewOut>;
