/**
 * `pcbridge emulator clevertap`: runs the CleverTap emulator in the foreground until
 * SIGINT/SIGTERM. The main CLI calls {@link registerEmulatorCommand}.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { startClevertapEmulator } from './index.js';
import { isEmulatorRegion, EMULATOR_REGIONS, type EmulatorAccount } from './options.js';

/** Test credentials accepted when no `--account` is given (an emulator holds no real secrets). */
export const DEFAULT_EMULATOR_ACCOUNT: EmulatorAccount = { accountId: 'EMULATOR-ACCOUNT', passcode: 'emulator-passcode' };

/** SPEC §1: a wrong argument exits with code 2. */
function invalid(message: string): InvalidArgumentError {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
}

function parseWhole(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw invalid(`${what} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

function parseRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw invalid('A rate is a fraction from 0 to 1, e.g. 0.05.');
  return n;
}

function parseMode(value: string): 'before' | 'after' {
  if (value !== 'before' && value !== 'after') throw invalid('The fault mode is "before" or "after".');
  return value;
}

function collectAccount(value: string, previous: EmulatorAccount[]): EmulatorAccount[] {
  const [accountId, passcode, region, ...rest] = value.split(':');
  if (accountId === undefined || accountId === '' || passcode === undefined || passcode === '' || rest.length > 0) {
    throw invalid('An account is ID:PASSCODE or ID:PASSCODE:REGION.');
  }
  if (region !== undefined && !isEmulatorRegion(region)) {
    throw invalid(`Unknown region "${region}"; use one of ${EMULATOR_REGIONS.join(', ')}.`);
  }
  return [...previous, { accountId, passcode, ...(region !== undefined ? { region } : {}) }];
}

type CommandOptions = {
  port: number;
  host: string;
  account: EmulatorAccount[];
  latency: number;
  errorRate: number;
  throttleRate: number;
  timeoutRate: number;
  dropRate: number;
  all401: boolean;
  faultMode: 'before' | 'after';
  maxConcurrency: number;
  inferredRules: boolean;
  countOnly: boolean;
};

/** Adds `emulator clevertap` (creating the `emulator` group if needed) to `program`. */
export function registerEmulatorCommand(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'emulator') ?? program.command('emulator').description("run stand-ins for the vendors' APIs (tests, demo, benchmarks)");
  group
    .command('clevertap')
    .description('run a CleverTap /1/upload emulator with injectable faults (control API under /_emulator/)')
    .option('--port <port>', 'TCP port to listen on; 0 picks a free one', parseWhole(0, 65535, 'The port'), 8090)
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .addOption(
      new Option('--account <id:passcode[:region]>', `accept these credentials (repeatable); with a region (${EMULATOR_REGIONS.join(' ')}), /{region}/1/upload must match it`)
        .argParser(collectAccount)
        .default([], `${DEFAULT_EMULATOR_ACCOUNT.accountId}:${DEFAULT_EMULATOR_ACCOUNT.passcode}`),
    )
    .option('--latency <ms>', 'delay before answering each upload, in milliseconds', parseWhole(0, 600_000, 'The latency'), 0)
    .option('--error-rate <f>', 'share of uploads answered 503 (0–1)', parseRate, 0)
    .option('--throttle-rate <f>', 'share of uploads answered 429 even under the cap (0–1)', parseRate, 0)
    .option('--timeout-rate <f>', 'share of uploads never answered, so the client times out (0–1)', parseRate, 0)
    .option('--drop-rate <f>', 'share of uploads whose connection is dropped without an answer (0–1)', parseRate, 0)
    .option('--all-401', 'answer every upload 401 Invalid Credentials', false)
    .option(
      '--fault-mode <mode>',
      '"before": a fault fires before records are stored; "after": records are stored, then the answer fails (duplicates on retry)',
      parseMode,
      'before',
    )
    .option('--max-concurrency <n>', 'concurrent uploads per account before 429 (CleverTap: 15)', parseWhole(1, 1000, 'The concurrency cap'), 15)
    .option('--no-inferred-rules', 'only apply the validation rules CleverTap documents (see the emulator README)')
    .option('--count-only', 'count accepted records without keeping them or their profiles (flat memory, for long benchmarks)', false)
    .action(async (o: CommandOptions) => {
      const accounts = o.account.length > 0 ? o.account : [DEFAULT_EMULATOR_ACCOUNT];
      const emulator = await startClevertapEmulator({
        port: o.port,
        host: o.host,
        accounts,
        latencyMs: o.latency,
        errorRate: o.errorRate,
        throttleRate: o.throttleRate,
        timeoutRate: o.timeoutRate,
        dropRate: o.dropRate,
        all401: o.all401,
        mode: o.faultMode,
        maxConcurrency: o.maxConcurrency,
        strictInferred: o.inferredRules,
        countOnly: o.countOnly,
      });
      // Passcodes are not printed: they may be copies of real ones.
      const described = accounts.map((a) => `${a.accountId} (${a.region ?? 'any region'})`).join(', ');
      process.stdout.write(
        `CleverTap emulator listening on ${emulator.url}\n` +
          `  PCBRIDGE_CLEVERTAP_BASE_URL=${emulator.url}   (region-aware: ${emulator.url}/{region})\n` +
          `  accounts: ${described}\n` +
          `  records: GET ${emulator.url}/_emulator/records   stats: GET ${emulator.url}/_emulator/stats\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await emulator.close();
    });
}
