/**
 * Asks CleverTap whether it would accept a preview's records (issue 14 "Dry run"): the records
 * go to `/1/upload?dryRun=1`, every identifier replaced by the one sentinel identity
 * {@link DRY_RUN_IDENTITY}, so that a real user's profile is never touched even if CleverTap
 * ignored the flag (`dryRun` is not in CleverTap's public docs; several clients send it). At
 * most {@link DRY_RUNS_PER_MINUTE} dry runs per app per minute, counted in the store across
 * every instance.
 */
import type { CleverTapAccount, CleverTapRecord, RecordBody } from '../clevertap/types.js';
import type { UploadClient, UploadOutcome } from '../clevertap/upload-client.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { resolveIntegrationAccounts, type LoadedIntegration } from '../settings/load-integration.js';
import type { RecordTarget } from '../mapping/index.js';
import type { PreviewRecord } from './preview-payload.js';

/** The one identity every dry-run record carries. At worst (CleverTap stores it) this profile receives the records. */
export const DRY_RUN_IDENTITY = 'pcbridge-dry-run';
/** Dry runs allowed per app in {@link DRY_RUN_WINDOW_MS}, all instances together. */
export const DRY_RUNS_PER_MINUTE = 10;
export const DRY_RUN_WINDOW_MS = 60_000;

/** CleverTap's word on one record of the preview (same order as the preview's records). */
export interface DryRunRecordVerdict {
  account: RecordTarget;
  /** `accepted`, `refused` (with CleverTap's code and message), or `not_checked` (the request failed: see its message). */
  verdict: 'accepted' | 'refused' | 'not_checked';
  code: number | null;
  message: string | null;
}

/** One dry-run request: one per account the records go to. */
export interface DryRunRequest {
  account: RecordTarget;
  /** Indexes of the preview's records it carried. */
  records: number[];
  /** `success`, `partial`, `auth_failed`, `bad_request`, `throttled`, `retryable`, or `not_configured` (no call made). */
  outcome: UploadOutcome['kind'] | 'not_configured';
  httpStatus: number | null;
  /** CleverTap's `status`, `processed` and `unprocessed` (record = index in the preview's records). */
  status: 'success' | 'partial' | 'fail' | null;
  processed: number | null;
  unprocessed: { record: number | null; code: number; error: string }[];
  /** Plain English. */
  message: string;
}

/** The `clevertap` member of a validated preview. */
export interface DryRunResult {
  identity: string;
  requests: DryRunRequest[];
  records: DryRunRecordVerdict[];
}

/** 429 `rate_limited`; the route turns `retryAfterSeconds` into a Retry-After header. */
export class DryRunLimitError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(
      'rate_limited',
      `At most ${DRY_RUNS_PER_MINUTE} dry runs with CleverTap per app per minute: retry in ${retryAfterSeconds} s (the preview itself, without validate, is not limited).`,
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Takes one dry run of the app's budget, or throws {@link DryRunLimitError}. */
export async function takeDryRun(ctx: Pick<AppContext, 'store' | 'clock'>, appId: string): Promise<void> {
  const now = ctx.clock.now();
  const taken = await ctx.store.transaction((tx) => tx.dryRuns.take(appId, now, DRY_RUN_WINDOW_MS, DRY_RUNS_PER_MINUTE), { durable: false });
  if (!taken.ok) throw new DryRunLimitError(Math.ceil(taken.retryAfterMs / 1000));
}

/** A record's body under the sentinel identity: whatever identifier it had is dropped. */
function sentinelRecord(body: PreviewRecord['body']): CleverTapRecord {
  const { identity: _i, objectId: _o, ...rest } = body as RecordBody & { identity?: unknown; objectId?: unknown };
  return { identity: DRY_RUN_IDENTITY, ...(rest as RecordBody) };
}

function accountLabel(target: RecordTarget, account: CleverTapAccount): string {
  return `the ${target} account (${account.accountId}, region ${account.region})`;
}

/**
 * Sends the records as a dry run, one request per account, and reads CleverTap's answers. The
 * budget is taken only when a request will be made. An account without saved credentials is
 * reported `not_configured`; a refusal of the credentials says so plainly.
 */
export async function dryRunRecords(
  ctx: AppContext,
  client: UploadClient,
  appId: string,
  integration: LoadedIntegration,
  records: readonly PreviewRecord[],
): Promise<DryRunResult> {
  const accounts = resolveIntegrationAccounts(ctx.secrets, integration);
  const verdicts: DryRunRecordVerdict[] = records.map((r) => ({ account: r.account, verdict: 'not_checked', code: null, message: null }));
  const groups = new Map<RecordTarget, number[]>();
  records.forEach((r, i) => groups.set(r.account, [...(groups.get(r.account) ?? []), i]));
  if ([...groups.keys()].some((target) => accounts[target] !== null)) await takeDryRun(ctx, appId);

  const requests: DryRunRequest[] = [];
  for (const [target, indexes] of groups) {
    const account = accounts[target];
    if (account === null) {
      const message = `No account ID or passcode is saved for the ${target} account: nothing was checked.`;
      for (const i of indexes) verdicts[i] = { ...verdicts[i]!, message };
      requests.push({ account: target, records: indexes, outcome: 'not_configured', httpStatus: null, status: null, processed: null, unprocessed: [], message });
      continue;
    }
    const outcome = await client.upload(
      account,
      indexes.map((i) => sentinelRecord(records[i]!.body)),
      { dryRun: true },
    );
    requests.push(readOutcome(target, account, indexes, outcome, verdicts));
  }
  ctx.logger.info({ appId, records: records.length, outcomes: requests.map((r) => r.outcome) }, 'dry run with CleverTap');
  return { identity: DRY_RUN_IDENTITY, requests, records: verdicts };
}

/** Turns one classified answer into the request's summary and its records' verdicts (filled in place). */
function readOutcome(target: RecordTarget, account: CleverTapAccount, indexes: number[], outcome: UploadOutcome, verdicts: DryRunRecordVerdict[]): DryRunRequest {
  const base = { account: target, records: indexes, outcome: outcome.kind, httpStatus: outcome.httpStatus };
  const setAll = (verdict: DryRunRecordVerdict['verdict'], message: string | null): void => {
    for (const i of indexes) verdicts[i] = { account: target, verdict, code: null, message };
  };
  switch (outcome.kind) {
    case 'success':
      setAll('accepted', null);
      return {
        ...base,
        status: 'success',
        processed: outcome.processed,
        unprocessed: [],
        message: `CleverTap would accept every record sent to ${accountLabel(target, account)}.`,
      };
    case 'partial': {
      setAll('accepted', null);
      const unprocessed: DryRunRequest['unprocessed'] = [];
      for (const f of outcome.failures) {
        const index = indexes[f.index] ?? null;
        if (index !== null) verdicts[index] = { account: target, verdict: 'refused', code: f.code, message: f.message };
        unprocessed.push({ record: index, code: f.code, error: f.message });
      }
      for (const u of outcome.unmatched) unprocessed.push({ record: null, code: u.code, error: u.message });
      const refused = unprocessed.length;
      return {
        ...base,
        status: outcome.bodyStatus,
        processed: outcome.processed,
        unprocessed,
        message: `CleverTap would refuse ${refused} of ${indexes.length} record${indexes.length === 1 ? '' : 's'} sent to ${accountLabel(target, account)}: see unprocessed.`,
      };
    }
    case 'auth_failed': {
      const message = `CleverTap refused the account ID and passcode of ${accountLabel(target, account)} (HTTP ${outcome.httpStatus}): check them on the Account parameters tab, or run Test connection. Nothing was checked.`;
      setAll('not_checked', message);
      return { ...base, status: 'fail', processed: null, unprocessed: [], message };
    }
    case 'bad_request':
      setAll('refused', outcome.message);
      return { ...base, status: 'fail', processed: null, unprocessed: [], message: outcome.message };
    case 'throttled':
    case 'retryable': {
      const message = `${outcome.message.replace(/;? ?will retry\.?$/, '.')} Nothing was checked: try again in a moment.`;
      setAll('not_checked', message);
      return { ...base, status: null, processed: null, unprocessed: [], message };
    }
  }
}
