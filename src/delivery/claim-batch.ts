/**
 * Takes the next batches of one account's records (SPEC §5): in one transaction, the due
 * records no earlier record of their user holds back, each record's identifier resolved now (so
 * a CleverTap ID set meanwhile is used) and the record built as it is sent, cut into batches of
 * 1000 records / 4 MiB, marked in flight under this instance's lease. A batch claimed ahead of a
 * free slot is therefore ready to go the moment an answer frees one.
 */
import { REQUEST_ENVELOPE_BYTES } from '../clevertap/upload-limits.js';
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
  /** When the webhook brought the event in: the delivery latency histogram counts from there. */
  eventReceivedAt: number | null;
  /** The record's JSON as sent (identifier, then body), joined when the batch was claimed. */
  sentJson: string;
}

/** Records claimed together, in the order they are sent. */
export interface ClaimedBatch<R = BatchRecord> {
  records: R[];
  /** The request body's size so far (envelope and commas included). */
  bytes: number;
  /** Due records of the account this claim left because an earlier record of their user was open. */
  heldBack: number;
  /** No more room: the next user's records did not fit (a batch of whole users may end short of 1000). */
  full: boolean;
}

export interface ClaimOptions {
  /** Most batches to cut from this claim (default 1). */
  batches?: number;
  maxRecords: number;
  maxBytes: number;
  /** Records and request bytes already in the batch being topped up (one batch only). */
  used?: { records: number; bytes: number };
  leaseMs: number;
  /**
   * The claim's time (default: the clock's now). The records it takes carry it as `updated_at`
   * until they leave flight, so a claim whose answer is lost can be handed back (`releaseClaim`).
   */
  claimedAt?: number;
}

/** What a claim needs of an account: the streams feeding it (not its credentials). */
export type ClaimAccount = Pick<DeliveryAccount, 'streams'>;

/** What a claim needs of the context: it runs on the main thread or in the claim thread. */
export type ClaimContext = Pick<AppContext, 'clock' | 'store' | 'instanceId'>;

/** Claims up to `opts.batches` batches for `account`; an empty list when nothing is due. */
export async function claimBatches(ctx: ClaimContext, account: ClaimAccount, opts: ClaimOptions): Promise<ClaimedBatch[]> {
  const now = opts.claimedAt ?? ctx.clock.now();
  const wanted = Math.max(1, opts.batches ?? 1);
  const firstRoom = opts.maxRecords - (opts.used?.records ?? 0);
  // Read a little past the room: a user whose later records fall just past the last batch's end
  // is left out whole rather than split (its rest would need a request of its own later).
  const room = firstRoom + (wanted - 1) * opts.maxRecords + Math.ceil(opts.maxRecords / 4);
  const claimed = await ctx.store.delivery.claim(
    account.streams.map((s) => s.appId),
    async (tx): Promise<ClaimedBatch<StoredRecord>[]> => {
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
      const held: { id: number; holdUntil: number }[] = [];
      // Each user's records of this claim, in order, built as sent.
      const chains = new Map<string, { record: StoredRecord; size: number }[]>();
      for (const { row, stream } of picked) {
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
        const user = `${row.app_id}\n${row.user_key}`;
        let chain = chains.get(user);
        if (!chain) chains.set(user, (chain = []));
        chain.push({
          // The record's JSON is the identifier's members followed by the body's, so its size is
          // known without serialising it (an upper bound if the stored body had spaces).
          size: Buffer.byteLength(identifierJson) + Buffer.byteLength(row.body_json) - 1,
          record: {
            identifierJson,
            id: Number(row.id),
            appId: row.app_id,
            eventSeq: Number(row.event_seq),
            userKey: row.user_key,
            attempts: row.attempts,
            eventCreatedAt: row.event_created_at === null ? null : Number(row.event_created_at),
            eventReceivedAt: row.event_received_at === null ? null : Number(row.event_received_at),
            bodyJson: row.body_json,
          },
        });
      }
      // Whole users into batches, in the order of their first record (each batch keeps the stored
      // order afterwards): batches of one claim may be
      // in flight side by side, so a user's records never go in two of them. A user that fits in
      // no batch left stays pending whole (the next claim takes it); one with more records than a
      // batch holds goes out as the prefix that fits.
      const batches: ClaimedBatch<StoredRecord>[] = [];
      let current: ClaimedBatch<StoredRecord> = { records: [], bytes: opts.used?.bytes ?? REQUEST_ENVELOPE_BYTES, heldBack, full: false };
      let count = opts.used?.records ?? 0;
      const fits = (chain: readonly { size: number }[]): boolean =>
        count + chain.length <= opts.maxRecords && current.bytes + chain.reduce((sum, r) => sum + r.size + 1, 0) - (count === 0 ? 1 : 0) <= opts.maxBytes;
      const add = (entry: { record: StoredRecord; size: number }): void => {
        current.bytes += entry.size + (count > 0 ? 1 : 0);
        count += 1;
        current.records.push(entry.record);
      };
      for (const chain of chains.values()) {
        if (!fits(chain)) {
          if (count === 0 || (current.records.length === 0 && opts.used === undefined)) {
            // Longer than a whole batch: the prefix that fits.
            for (const entry of chain) {
              if (!fits([entry])) break;
              add(entry);
            }
            continue;
          }
          current.full = true;
          if (opts.used !== undefined || batches.length + 1 >= wanted) continue;
          batches.push(current);
          current = { records: [], bytes: REQUEST_ENVELOPE_BYTES, heldBack, full: false };
          count = 0;
          if (!fits(chain)) {
            for (const entry of chain) {
              if (!fits([entry])) break;
              add(entry);
            }
            continue;
          }
        }
        for (const entry of chain) add(entry);
      }
      if (current.records.length > 0) batches.push(current);
      for (const batch of batches) if (batch.records.length + (batch === batches[0] ? (opts.used?.records ?? 0) : 0) >= opts.maxRecords) batch.full = true;
      // Within a request the records keep the order they were stored in.
      const position = new Map(picked.map((p, i) => [Number(p.row.id), i]));
      for (const batch of batches) batch.records.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
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
  // Built as sent once the claim committed: on PostgreSQL other instances wait for its lock.
  return claimed.map((batch) => ({
    ...batch,
    records: batch.records.map(({ bodyJson, ...r }) => ({ ...r, sentJson: joinRecordJson(r.identifierJson, bodyJson) })),
  }));
}

/** A claimed record before it is built as sent. */
type StoredRecord = Omit<BatchRecord, 'sentJson'> & { bodyJson: string };

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

/**
 * The record's JSON as sent: the identifier's members first (as CleverTap's examples show
 * them), then the body's. Both are objects serialised by JSON.stringify when stored, so their
 * texts join without a parse and a serialisation per record sent.
 */
export function joinRecordJson(identifierJson: string, bodyJson: string): string {
  if (!bodyJson.startsWith('{') || !identifierJson.endsWith('}')) throw new TypeError('a record joins two JSON objects');
  // An empty object (an erased record's body) adds no members, and no comma.
  if (isEmptyObjectJson(bodyJson)) return identifierJson;
  if (isEmptyObjectJson(identifierJson)) return bodyJson;
  return `${identifierJson.slice(0, -1)},${bodyJson.slice(1)}`;
}

function isEmptyObjectJson(json: string): boolean {
  return json.length < 16 && /^\{\s*\}$/.test(json);
}

/** Type of the claim transaction's repositories (re-exported for tests of the claim). */
export type { DeliveryTx };
