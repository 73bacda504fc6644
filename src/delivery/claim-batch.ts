/**
 * Takes the next batch of one account's records (SPEC §5): in one transaction, a concurrency
 * slot (when asked), the due records no earlier record of their user holds back, each record's
 * identifier resolved now (so a CleverTap ID set meanwhile is used), cut to 1000 records /
 * 4 MiB, marked in flight under this instance's lease.
 */
import type { CleverTapRecord } from '../clevertap/types.js';
import { REQUEST_ENVELOPE_BYTES } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import { resolveIdentifier } from '../identity/resolve-identifier.js';
import type { Queryable } from '../store/db.js';
import { createAccountsRepo } from '../store/repos/accounts-repo.js';
import { createDeliveryRepo, type ClaimableRecord } from '../store/repos/delivery-repo.js';
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
  /** The stored body (no identifier); parsed only for the request, so waiting batches stay small. */
  bodyJson: string;
}

/** Records claimed together; `slot` is the account slot held for them (null for a top-up). */
export interface ClaimedBatch {
  slot: number | null;
  records: BatchRecord[];
  bytes: number;
}

export interface ClaimOptions {
  /** Take a concurrency slot below this limit first; null claims without one (topping up a held batch). */
  slotLimit: number | null;
  maxRecords: number;
  maxBytes: number;
  /** Records and request bytes already in the batch being topped up. */
  used?: { records: number; bytes: number };
  leaseMs: number;
}

/** PostgreSQL: claims of one app's records are serialised across instances (see README). */
const CLAIM_LOCK_CLASS = 0x70636263; // "pcbc"

/**
 * Claims a batch for `account`. Null when no slot is free; an empty batch (and no slot taken)
 * when nothing is due.
 */
export async function claimBatch(ctx: AppContext, account: DeliveryAccount, opts: ClaimOptions): Promise<ClaimedBatch | null> {
  const now = ctx.clock.now();
  // Delivery state is not an acknowledgement to anyone: a commit lost to a power cut (never to a
  // process crash) only means records are sent again, which CleverTap's event_id lets one spot.
  return ctx.store.db.transaction(async (q) => {
    if (q.dialect === 'postgres') {
      // Two instances claiming the same user's records at once could each see the other's
      // records as still pending and send them in parallel: one app's claims go one at a time.
      const apps = [...new Set(account.streams.map((s) => s.appId))].sort();
      for (const appId of apps) await q.run(`SELECT pg_advisory_xact_lock(?, hashtext(?))`, [CLAIM_LOCK_CLASS, appId]);
    }
    const accounts = createAccountsRepo(q);
    const repo = createDeliveryRepo(q);
    let slot: number | null = null;
    if (opts.slotLimit !== null) {
      // Cheap check first: without a free slot there is nothing to claim.
      const free = await q.get<{ slot: number }>(
        `SELECT slot FROM account_slots WHERE account_key = ? AND slot < ? AND (holder IS NULL OR lease_until < ?) LIMIT 1`,
        [account.key, opts.slotLimit, now],
      );
      if (!free) return null;
    }

    const picked: { row: ClaimableRecord; stream: RecordStream }[] = [];
    for (const stream of account.streams) {
      const room = opts.maxRecords - picked.length;
      if (room <= 0) break;
      const rows = await repo.selectClaimable(stream.appId, stream.target, now, room);
      for (const row of rows) picked.push({ row, stream });
    }
    if (picked.length === 0) return { slot: null, records: [], bytes: 0 };

    const ids = await loadClevertapIds(q, picked.map((p) => p.row));
    const records: BatchRecord[] = [];
    const held: { id: number; holdUntil: number }[] = [];
    let count = opts.used?.records ?? 0;
    let bytes = opts.used?.bytes ?? REQUEST_ENVELOPE_BYTES;
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
      // The record's JSON is the identifier's members followed by the body's, so its size is
      // known without serialising it (an upper bound if the stored body had spaces).
      const added = Buffer.byteLength(identifierJson) + Buffer.byteLength(row.body_json) - 1 + (count > 0 ? 1 : 0);
      // Stop at the first record that does not fit: the batch stays a prefix of each user's queue.
      if (bytes + added > opts.maxBytes) break;
      bytes += added;
      count += 1;
      records.push({
        identifierJson,
        id: Number(row.id),
        appId: row.app_id,
        eventSeq: Number(row.event_seq),
        userKey: row.user_key,
        attempts: row.attempts,
        eventCreatedAt: row.event_created_at === null ? null : Number(row.event_created_at),
        bodyJson: row.body_json,
      });
    }
    for (const h of held) await repo.markHeld([h.id], h.holdUntil, now);
    if (records.length === 0) return { slot: null, records: [], bytes: 0 };

    if (opts.slotLimit !== null) {
      slot = await accounts.acquireSlot(account.key, opts.slotLimit, ctx.instanceId, now + opts.leaseMs, now);
      if (slot === null) throw new SlotTakenError();
    }
    await repo.markInFlight(
      records.map((r) => ({ id: r.id, identifierJson: r.identifierJson })),
      ctx.instanceId,
      now + opts.leaseMs,
      now,
    );
    return { slot, records, bytes };
  }, { durable: false }).catch((err: unknown) => {
    if (err instanceof SlotTakenError) return null;
    throw err;
  });
}

/** Another instance took the last free slot between our read and our update (PostgreSQL); the transaction rolls back. */
class SlotTakenError extends Error {}

/** The CleverTap IDs set for the users (and anonymous IDs) of these records, keyed `app\nuserKey`. */
async function loadClevertapIds(q: Queryable, rows: readonly ClaimableRecord[]): Promise<Map<string, string>> {
  const byApp = new Map<string, Set<string>>();
  for (const r of rows) {
    let keys = byApp.get(r.app_id);
    if (!keys) byApp.set(r.app_id, (keys = new Set()));
    if (r.user_id !== null) keys.add(r.user_id);
    if (r.anonymous_user_id !== null) keys.add(r.anonymous_user_id);
  }
  const ids = new Map<string, string>();
  for (const [appId, keySet] of byApp) {
    const keys = [...keySet];
    for (let i = 0; i < keys.length; i += 400) {
      const part = keys.slice(i, i + 400);
      const found = await q.all<{ user_key: string; clevertap_id: string }>(
        `SELECT user_key, clevertap_id FROM user_attributes WHERE app_id = ? AND user_key IN (${part.map(() => '?').join(',')})`,
        [appId, ...part],
      );
      for (const f of found) ids.set(`${appId}\n${f.user_key}`, f.clevertap_id);
    }
  }
  return ids;
}

/** The record as sent: the identifier first (as CleverTap's examples show it), then the body. */
export function toClevertapRecord(r: Pick<BatchRecord, 'identifierJson' | 'bodyJson'>): CleverTapRecord {
  // One parse of the joined text instead of two parses and a copy: this runs for every record sent.
  return JSON.parse(`${r.identifierJson.slice(0, -1)},${r.bodyJson.slice(1)}`) as CleverTapRecord;
}
