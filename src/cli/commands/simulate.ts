import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../exit.js';
import { createPurchaselySimulator, type SimulationSummary } from '../../../tools/purchasely-simulator/index.js';

function parseNumber(what: string, min: number, max: number, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${what} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`);
    }
    return n;
  };
}

function parseTarget(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('--target is the webhook URL, e.g. http://localhost:8080/webhooks/purchasely/app_…');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('--target must be an http:// or https:// URL.');
  return value;
}

interface SimulateOptions {
  target: string;
  secret?: string;
  users: number;
  speed: number;
  duration?: number;
  sandboxRatio: number;
  seed: number;
  noPace?: boolean;
  pace: boolean;
}

function formatSummary(s: SimulationSummary): string {
  const statuses = Object.entries(s.statusCounts)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return `generated ${s.generated} events, acknowledged ${s.acknowledged}, retries ${s.retries}, abandoned ${s.abandoned}, pending ${s.pending} (answers ${statuses || 'none'})`;
}

/** `pcbridge simulate purchasely`: Purchasely's webhook traffic for a test or demo bridge (SPEC §6). */
export function registerSimulateCommand(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'simulate') ?? program.command('simulate').description('generate traffic like the vendors send it');
  group
    .command('purchasely')
    .description('send realistic, signed Purchasely server events (subscription lifecycles) to a webhook URL, retrying like Purchasely')
    .requiredOption('--target <url>', 'the app webhook URL, e.g. http://localhost:8080/webhooks/purchasely/app_…', parseTarget)
    .option('--secret <secret>', "the app's Purchasely shared secret (else PCBRIDGE_WEBHOOK_SECRET)")
    .option('--users <n>', 'people per cohort', parseNumber('--users', 1, 100_000, true), 20)
    .option('--speed <x>', 'time compression: simulated seconds per real second (86400 = a day per second)', parseNumber('--speed', 1, 1e9, false), 86_400)
    .option(
      '--duration <seconds>',
      'run this long, starting a new cohort as the previous one spreads out (default: one cohort, until sent)',
      parseNumber('--duration', 1, 31_536_000, false),
    )
    .option('--sandbox-ratio <f>', 'share of SANDBOX users (0–1)', parseNumber('--sandbox-ratio', 0, 1, false), 0.2)
    .option('--seed <n>', 'seed of the generated lifecycles (same seed, same events)', parseNumber('--seed', 0, 2 ** 31, true), 1)
    .option('--no-pace', 'send every event at once (in order per user) instead of when it falls due')
    .action(async (o: SimulateOptions) => {
      const secret = o.secret ?? process.env.PCBRIDGE_WEBHOOK_SECRET;
      if (!secret) throw new UsageError('simulate purchasely needs --secret (or PCBRIDGE_WEBHOOK_SECRET).');
      const simulator = createPurchaselySimulator({
        target: o.target,
        secret,
        users: o.users,
        speed: o.speed,
        durationMs: o.duration === undefined ? null : o.duration * 1000,
        sandboxRatio: o.sandboxRatio,
        seed: o.seed,
        pace: o.pace,
      });
      process.stderr.write(`simulating ${o.users} Purchasely users → ${o.target} (speed ×${o.speed})\n`);
      const progress = setInterval(() => process.stderr.write(`${formatSummary(simulator.stats())}\n`), 5000);
      const stop = () => void simulator.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summary = await simulator.run();
        process.stdout.write(`${formatSummary(summary)}\n`);
      } finally {
        clearInterval(progress);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
