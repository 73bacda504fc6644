/**
 * An event's status from its records (team contract): the worst state among the records of
 * its latest generation — failed > held > pending (in_flight counts as pending) > delivered.
 */

export type DeliveredEventStatus = 'failed' | 'held' | 'pending' | 'delivered';

const RANK: Record<string, number> = { delivered: 0, pending: 1, in_flight: 1, held: 2, failed: 3 };
const BY_RANK: DeliveredEventStatus[] = ['delivered', 'pending', 'held', 'failed'];

/** One record's part in the computation. */
export interface RecordStateRow {
  generation: number;
  state: string;
}

/**
 * The status of an event with these records, or null when it has no record that counts
 * (none at all, or only `skipped` ones: processing explains those with a reason).
 */
export function worstRecordState(records: readonly RecordStateRow[]): DeliveredEventStatus | null {
  let latest = -Infinity;
  for (const r of records) if (r.generation > latest) latest = r.generation;
  let worst = -1;
  for (const r of records) {
    if (r.generation !== latest) continue;
    const rank = RANK[r.state];
    if (rank !== undefined && rank > worst) worst = rank;
  }
  return worst < 0 ? null : BY_RANK[worst]!;
}
