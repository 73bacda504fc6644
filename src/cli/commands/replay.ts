import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig } from '../../config.js';
import { AppError } from '../../errors.js';
import { openContext } from '../../runtime/runtime.js';
import { EVENT_STATUSES, FORCE_STATUSES, replayEvent, replayEvents } from '../../replay/index.js';
import { UsageError } from '../exit.js';

function parseIso(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?$/.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new InvalidArgumentError('expected an ISO 8601 date or date-time, e.g. 2026-01-31T12:00:00Z.');
  }
  return new Date(Date.parse(value)).toISOString();
}

function collectStatus(value: string, previous: string[] | undefined): string[] {
  const statuses = value.split(',').map((s) => s.trim());
  for (const s of statuses) {
    if (!EVENT_STATUSES.includes(s)) throw new InvalidArgumentError(`expected one of ${EVENT_STATUSES.join(', ')}, got "${s}".`);
  }
  return [...(previous ?? []), ...statuses];
}

interface ReplayOptions {
  app: string;
  event?: string;
  status?: string[];
  eventName?: string[];
  from?: string;
  to?: string;
  force?: boolean;
}

/** `pcbridge replay`: put events back in the processing queue, straight in the database (SPEC §1). */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('Replay events (default: the failed ones) so they are processed and delivered again; acts on DATABASE_URL directly')
    .requiredOption('--app <id>', 'app whose events to replay')
    .option('--event <eventId>', 'replay this one event (Purchasely event_id)')
    .addOption(new Option('--status <status>', `statuses to replay, repeatable or comma-separated (${EVENT_STATUSES.join(', ')}); default failed`).argParser(collectStatus))
    .addOption(new Option('--event-name <name>', 'only events with this event_name (repeatable)').argParser((v: string, p: string[] | undefined) => [...(p ?? []), v]))
    .option('--from <iso>', 'only events received at or after this time', parseIso)
    .option('--to <iso>', 'only events received at or before this time', parseIso)
    .option('--force', 'also replay delivered (and still pending or held) events: CleverTap receives them again', false)
    .action(async (opts: ReplayOptions) => {
      if (opts.event !== undefined && (opts.status || opts.eventName || opts.from || opts.to)) {
        throw new UsageError('replay: --event replays one event; it cannot be combined with --status, --event-name, --from or --to');
      }
      const { ctx } = await openContext(loadConfig(process.env, {}, 'tool'));
      try {
        const { requeued } =
          opts.event !== undefined
            ? await replayEvent(ctx, opts.app, opts.event, { force: opts.force ?? false })
            : await replayEvents(ctx, opts.app, { status: opts.status, eventNames: opts.eventName, from: opts.from, to: opts.to, force: opts.force ?? false });
        process.stdout.write(`requeued ${requeued}\n`);
        const needForce = (opts.status ?? []).filter((s) => FORCE_STATUSES.includes(s));
        if (!opts.force && needForce.length > 0) {
          process.stderr.write(`note: ${needForce.join(', ')} events are only replayed with --force (CleverTap receives them again)\n`);
        }
      } catch (err) {
        // A wrong app or event id is a wrong argument (exit 2); a refusal (409/422) is exit 1.
        if (err instanceof AppError && err.code === 'not_found') throw new UsageError(`replay: ${err.message}`);
        throw err;
      } finally {
        await ctx.store.close();
      }
    });
}
