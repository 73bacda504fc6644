/**
 * Takes the next batches of one account's records (SPEC §5): in one transaction, the due
 * records no earlier record of their user holds back, each record's identifier resolved now (so
 * a CleverTap ID set meanwhile is used) and the record built as it is sent, cut into batches of
 * 1000 records / 4 MiB, marked in flight under this instance's lease. A batch claimed ahead of a
 * free slot is therefore ready to go the moment an answer frees one.
 */
import type { CleverTapRecord } from '../clevertap/types.js';
import { REQUEST_ENVELOPE_BYTES } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import { resolveIdentifier } from '../identity/resolve-identifier.js';
import type { ClaimableRecord } from '../store/repos/delivery-repo.js';
import type { DeliveryTx } from '../store/repos/delivery-store.js';
import type { DeliveryAccount, RecordStream } from './account-directory.js';

/** A record on its way, with what completing it needs. */
export interface BatchRecord {
  id: number;
  /** The identifier as stored in `identifier_json`. */
  identifierJson: string;
  appId: string;
  eventSeq: number;
  userKey: string;
  attempts: number;
  eventCreatedAt: number | null;
  /** The record as sent: identifier and body, built when the batch was claimed. */
  sent: CleverTapRecord;
}

/** Records claimed together, in the order they are sent. */
export interface ClaimedBatch {
  records: BatchRecord[];
  /** The request body's size so far (envelope and commas included). */
  bytes: number;
  /** Due records of the account this claim left because an earlier record of their user was open. */
  heldBack: number;
}

export interface ClaimOptions {
  /** Most batches to cut from this claim (default 1). */
  batches?: number;
  maxRecords: number;
  maxBytes: number;
  /** Records and request bytes already in the batch being topped up (one batch only). */
  used?: { records: number; bytes: number };
  leaseMs: number;
}

/** Claims up to `opts.batches` batches for `account`; an empty list when nothing is due. */
export async function claimBatches(ctx: AppContext, account: DeliveryAccount, opts: ClaimOptions): Promise<ClaimedBatch[]> {
  const now = ctx.clock.now();
  const wanted = Math.max(1, opts.batches ?? 1);
  const firstRoom = opts.maxRecords - (opts.used?.records ?? 0);
  const room = firstRoom + (wanted - 1) * opts.maxRecords;
  return ctx.store.delivery.claim(
    account.streams.map((s) => s.appId),
    async (tx) => {
      const picked: { row: ClaimableRecord; stream: RecordStream }[] = [];
      let heldBack = 0;
      for (const stream of account.streams) {
        const left = room - picked.length;
        if (left <= 0) break;
        const read = await tx.records.selectClaimable(stream.appId, stream.target, now, left);
        heldBack += read.heldBack;
        for (const row of read.rows) picked.push({ row, stream });
      }
      if (picked.length === 0) return [];

      const ids = await tx.records.clevertapIds(userKeysByApp(picked.map((p) => p.row)));
      const batches: ClaimedBatch[] = [];
      const held: { id: number; holdUntil: number }[] = [];
      let current: ClaimedBatch = { records: [], bytes: opts.used?.bytes ?? REQUEST_ENVELOPE_BYTES, heldBack };
      let count = opts.used?.records ?? 0;
      /** The batch each user's records went into: batches of one claim may be in flight side by side. */
      const batchOfUser = new Map<string, number>();
      /** Users none of whose later records may go in this claim (one of theirs stays behind). */
      const stopped = new Set<string>();
      for (const { row, stream } of picked) {
        const user = `${row.app_id}\n${row.user_key}`;
        if (stopped.has(user)) continue;
        const identifier = resolveIdentifier({
          mode: stream.identityMode,
          userId: row.user_id,
          anonymousUserId: row.anonymous_user_id,
          clevertapIdForUserId: row.user_id === null ? null : (ids.get(`${row.app_id}\n${row.user_id}`) ?? null),
          clevertapIdForAnonymousId: row.anonymous_user_id === null ? null : (ids.get(`${row.app_id}\n${row.anonymous_user_id}`) ?? null),
        });
        if (identifier === null) {
          // No identity (e.g. the CleverTap ID was erased after release): wait like any held record.
          held.push({ id: row.id, holdUntil: now + stream.holdForMs });
          continue;
        }
        const identifierJson = JSON.stringify(identifier);
        // The record's JSON is the identifier's members followed by the body's, so its size is
        // known without serialising it (an upper bound if the stored body had spaces).
        const size = Buffer.byteLength(identifierJson) + Buffer.byteLength(row.body_json) - 1;
        if (count >= opts.maxRecords || current.bytes + size + (count > 0 ? 1 : 0) > opts.maxBytes) {
          // The batch is full: the next one starts here (a top-up has only the one batch).
          if (current.records.length > 0) batches.push(current);
          if (batches.length >= wanted || opts.used !== undefined) break;
          current = { records: [], bytes: REQUEST_ENVELOPE_BYTES, heldBack };
          count = 0;
        }
        const earlier = batchOfUser.get(user);
        if ((earlier !== undefined && earlier !== batches.length) || current.bytes + size + (count > 0 ? 1 : 0) > opts.maxBytes) {
          // The user's earlier records are in another batch of this claim (which may be in
          // flight beside this one), or the record fits nowhere: the user's queue stops here.
          stopped.add(user);
          continue;
        }
        batchOfUser.set(user, batches.length);
        current.bytes += size + (count > 0 ? 1 : 0);
        count += 1;
        current.records.push({
          identifierJson,
          id: Number(row.id),
          appId: row.app_id,
          eventSeq: Number(row.event_seq),
          userKey: row.user_key,
          attempts: row.attempts,
          eventCreatedAt: row.event_created_at === null ? null : Number(row.event_created_at),
          sent: toClevertapRecord(identifierJson, row.body_json),
        });
      }
      if (current.records.length > 0 && batches.length < wanted && batches[batches.length - 1] !== current) batches.push(current);
      for (const h of held) await tx.records.markHeld([h.id], h.holdUntil, now);
      const taken = batches.flatMap((b) => b.records);
      if (taken.length === 0) return [];
      await tx.records.markInFlight(
        taken.map((r) => ({ id: r.id, identifierJson: r.identifierJson })),
        ctx.instanceId,
        now + opts.leaseMs,
        now,
      );
      return batches;
    },
  );
}

/** The users (and anonymous IDs) of these records, per app: whose CleverTap IDs to read. */
function userKeysByApp(rows: readonly ClaimableRecord[]): Map<string, Set<string>> {
  const byApp = new Map<string, Set<string>>();
  for (const r of rows) {
    let keys = byApp.get(r.app_id);
    if (!keys) byApp.set(r.app_id, (keys = new Set()));
    if (r.user_id !== null) keys.add(r.user_id);
    if (r.anonymous_user_id !== null) keys.add(r.anonymous_user_id);
  }
  return byApp;
}

/** The record as sent: the identifier first (as CleverTap's examples show it), then the body. */
export function toClevertapRecord(identifierJson: string, bodyJson: string): CleverTapRecord {
  // One parse of the joined text instead of two parses and a copy: this runs for every record sent.
  return JSON.parse(`${identifierJson.slice(0, -1)},${bodyJson.slice(1)}`) as CleverTapRecord;
}

/** Type of the claim transaction's repositories (re-exported for tests of the claim). */
export type { DeliveryTx };
