/**
 * The emulator's memory: accounts, stored records, profiles and counters. Plain data plus small
 * functions; the HTTP layer (index.ts) is the only writer.
 */
import type { EmulatorAccount } from './options.js';
import { foldRecord, identifierOf, profileKey, type EmulatorProfile } from './profiles.js';

/** One stored record, as `GET /_emulator/records` lists it. */
export type StoredRecord = { account: string; receivedAt: string; requestId: string; record: unknown };

/** Per-account counters. */
export type AccountStats = { requests: number; inFlight: number; maxConcurrency: number };

/** What `GET /_emulator/stats` answers. */
export type EmulatorStats = {
  /** Upload requests received (any answer). */
  requests: number;
  /** Answers by HTTP status, plus `dropped` (connection destroyed) and `timeout` (never answered). */
  statusCounts: Record<string, number>;
  /** Records stored since the last clear. */
  records: number;
  /** TCP connections accepted since start (keep-alive reuse keeps this low). */
  connections: number;
  /** Upload requests currently in flight, all accounts. */
  inFlight: number;
  /** Per account ID (unknown accounts are not counted). */
  accounts: Record<string, AccountStats>;
};

export type RecordFilter = { account?: string; identity?: string; objectId?: string };

/**
 * One upload request as the emulator saw it, for measuring a client's pacing (time to the first
 * request, gaps between an answer and the next request, batch sizes). Times are milliseconds
 * since the Unix epoch with a fractional part (`performance.timeOrigin + performance.now()`),
 * so another process on the same host can compare them with its own clock.
 */
export type TimelineEntry = {
  /** The account the credential headers name (also when refused); null without the header. */
  account: string | null;
  arrivedAt: number;
  /** When the answer was written; null while in flight, or for a dropped or never answered request. */
  answeredAt: number | null;
  /** HTTP status of the answer; null until answered (and for dropped or never answered requests). */
  status: number | null;
  /** Records in the body (its `d` array); null when the body was not read or not an upload body. */
  records: number | null;
};

/** The timeline keeps the latest this many requests (a long demo run must not grow it forever). */
export const TIMELINE_LIMIT = 50_000;

export type EmulatorState = {
  accounts: Map<string, EmulatorAccount>;
  records: StoredRecord[];
  /** By `profileKey`; a Map keeps the order profiles were created in. */
  profiles: Map<string, EmulatorProfile>;
  stats: EmulatorStats;
  /** Upload requests since the last clear, oldest first, at most TIMELINE_LIMIT. */
  timeline: TimelineEntry[];
};

export function createEmulatorState(accounts: readonly EmulatorAccount[]): EmulatorState {
  return {
    accounts: new Map(accounts.map((a) => [a.accountId, { ...a }])),
    records: [],
    profiles: new Map(),
    stats: { requests: 0, statusCounts: {}, records: 0, connections: 0, inFlight: 0, accounts: {} },
    timeline: [],
  };
}

/** Appends a request to the timeline, forgetting the oldest beyond TIMELINE_LIMIT. */
export function addTimelineEntry(state: EmulatorState, entry: TimelineEntry): void {
  if (state.timeline.length >= TIMELINE_LIMIT) state.timeline.splice(0, state.timeline.length - TIMELINE_LIMIT + 1);
  state.timeline.push(entry);
}

export function accountStats(state: EmulatorState, accountId: string): AccountStats {
  const existing = state.stats.accounts[accountId];
  if (existing !== undefined) return existing;
  const created: AccountStats = { requests: 0, inFlight: 0, maxConcurrency: 0 };
  state.stats.accounts[accountId] = created;
  return created;
}

export function countStatus(state: EmulatorState, status: number | 'dropped' | 'timeout'): void {
  const key = String(status);
  state.stats.statusCounts[key] = (state.stats.statusCounts[key] ?? 0) + 1;
}

/** Stored records matching every given filter field. */
export function filterRecords(records: readonly StoredRecord[], filter: RecordFilter): StoredRecord[] {
  return records.filter((r) => {
    if (filter.account !== undefined && r.account !== filter.account) return false;
    const rec = r.record as Record<string, unknown>;
    if (filter.identity !== undefined && String(rec['identity']) !== filter.identity) return false;
    if (filter.objectId !== undefined && rec['objectId'] !== filter.objectId) return false;
    return true;
  });
}

/** Stores an accepted record and applies it to its profile. */
export function storeRecord(state: EmulatorState, stored: StoredRecord): void {
  state.records.push(stored);
  state.stats.records += 1;
  const record = stored.record as Record<string, unknown>;
  const identifier = identifierOf(record);
  if (identifier === null) return; // unreachable: rule 523 refuses records without one
  const key = profileKey(stored.account, identifier);
  const nowSeconds = Math.floor(Date.parse(stored.receivedAt) / 1000);
  state.profiles.set(key, foldRecord(state.profiles.get(key), stored.account, identifier, record, stored.receivedAt, nowSeconds));
}

/** Forgets stored records, profiles and the timeline and resets counters (connections and in-flight stay truthful). */
export function clearState(state: EmulatorState): void {
  state.records = [];
  state.profiles = new Map();
  state.timeline = [];
  const { connections, inFlight } = state.stats;
  const accounts: Record<string, AccountStats> = {};
  for (const [id, a] of Object.entries(state.stats.accounts)) accounts[id] = { requests: 0, inFlight: a.inFlight, maxConcurrency: a.inFlight };
  state.stats = { requests: 0, statusCounts: {}, records: 0, connections, inFlight, accounts };
}
