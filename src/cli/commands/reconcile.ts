import { InvalidArgumentError, type Command } from 'commander';
import { createProfileClient } from '../../clevertap/profile-client.js';
import { loadConfig, parseDuration } from '../../config.js';
import { AppError } from '../../errors.js';
import { formatProgress, formatSummary } from '../../reconcile/format-summary.js';
import { reconcileProfiles, type ReconcileSelection } from '../../reconcile/reconcile-profiles.js';
import { openContext } from '../../runtime/runtime.js';
import { UsageError } from '../exit.js';

const DEFAULT_SAMPLE = 100;
const DEFAULT_RATE = 10;
const DEFAULT_WAIT = '60s';

function parseSample(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('--sample is a whole number of users, at least 1, e.g. 500.');
  return n;
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(rate > 0) || rate > 1000)
    throw new InvalidArgumentError('--rate is a number of CleverTap calls per second, above 0 and at most 1000, e.g. 10.');
  return rate;
}

function parseWait(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0 || ms > 86_400_000) throw new InvalidArgumentError("--wait is a duration such as '90s', '5m' or '1h' (a bare number is seconds), at most 24h.");
  return ms;
}

interface ReconcileCliOptions {
  app: string;
  sample?: number;
  all?: boolean;
  fix?: boolean;
  wait?: number;
  rate?: number;
}

/** `pcbridge reconcile`: compare users' profiles with CleverTap's, and resend the differing ones (issue 14). */
export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description(
      "Compare users' profiles in pcbridge with what CleverTap holds (Get User Profile API, at a bounded rate; progress on stderr) and print a summary; " +
        'with --fix, resend the differing ones and wait until they are delivered. Reads DATABASE_URL directly. ' +
        "Delivery is a running server's work: with --fix, a pcbridge server (pcbridge serve, role all or worker) must be running on the same database, " +
        'else the resent profiles stay queued and the command gives up after --wait. ' +
        'Exit 0 when every compared profile is equal (or was fixed: delivered, and CleverTap then agrees), 1 otherwise, 2 on a wrong argument. ' +
        'Users without a CleverTap identifier (anonymous, no CleverTap ID) are counted as unaddressable and do not change the exit code.',
    )
    .requiredOption('--app <id>', 'app whose users to compare')
    .option('--sample <n>', `compare a random sample of n users (default: ${DEFAULT_SAMPLE})`, parseSample)
    .option('--all', 'compare every user of the app')
    .option('--fix', 'resend the whole profile of each user that differs or that CleverTap lacks, and wait until delivered and equal')
    .option('--wait <duration>', `with --fix: how long to wait for delivery and CleverTap's agreement (default ${DEFAULT_WAIT})`, parseWait)
    .option('--rate <perSecond>', `CleverTap Get User Profile calls per second at most (default ${DEFAULT_RATE})`, parseRate)
    .action(async (opts: ReconcileCliOptions) => {
      if (opts.sample !== undefined && opts.all) throw new UsageError('reconcile: --sample and --all cannot be combined: choose one');
      const selection: ReconcileSelection = opts.all ? { kind: 'all' } : { kind: 'sample', size: opts.sample ?? DEFAULT_SAMPLE };
      const waitMs = opts.wait ?? parseDuration(DEFAULT_WAIT)!;
      const { ctx } = await openContext(loadConfig(process.env, {}, 'tool'));
      const client = createProfileClient({
        timeoutMs: ctx.config.clevertapTimeoutMs,
        ...(ctx.config.clevertapBaseUrl ? { baseUrlOverride: ctx.config.clevertapBaseUrl } : {}),
      });
      try {
        const summary = await reconcileProfiles(ctx, client, {
          appId: opts.app,
          selection,
          ratePerSecond: opts.rate ?? DEFAULT_RATE,
          fix: opts.fix ?? false,
          waitMs,
          onProgress: (p) => process.stderr.write(`${formatProgress(p)}\n`),
        });
        process.stdout.write(`${formatSummary(summary, { waitMs })}\n`);
        if (!summary.ok) process.exitCode = 1;
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') throw new UsageError(`reconcile: no app with id ${opts.app} (see pcbridge apps list)`);
        if (err instanceof AppError && err.code === 'conflict') throw new Error(`reconcile: ${err.message}`, { cause: err });
        throw err;
      } finally {
        await client.close();
        await ctx.store.close();
      }
    });
}
