import { InvalidArgumentError, type Command } from 'commander';
import { startDemo } from '../../demo/start-demo.js';
import { UsageError } from '../exit.js';

const DEFAULT_DEMO_PORT = 8080;

function isPort(value: string): boolean {
  return /^\d+$/.test(value) && Number(value) <= 65535;
}

function parsePort(value: string): number {
  if (!isPort(value)) throw new InvalidArgumentError('--port is a port number from 0 to 65535 (0: any free port).');
  return Number(value);
}

/** `--port`, else `PORT` (as for `serve`, so `PORT=9000 npm run demo` works), else 8080. */
function demoPort(flag: number | undefined, env: NodeJS.ProcessEnv): number {
  if (flag !== undefined) return flag;
  const value = env.PORT?.trim();
  if (value === undefined || value === '') return DEFAULT_DEMO_PORT;
  if (!isPort(value)) throw new UsageError(`PORT: "${env.PORT}" is not a port number from 0 to 65535 (0: any free port).`);
  return Number(value);
}

function parsePositive(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
    return n;
  };
}

interface DemoCommandOptions {
  port?: number;
  dataDir: string;
  users: number;
  speed: number;
}

/** `pcbridge demo` (`npm run demo`): bridge + CleverTap emulator + Purchasely simulator in one process. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the bridge with the CleverTap emulator and the Purchasely simulator, preconfigured: watch events flow end to end')
    .option('--port <port>', 'dashboard/API port (PORT, default 8080); the next free one is used when busy; 0 = any free port', parsePort)
    .option('--data-dir <dir>', 'folder of the demo database (SQLite)', './data/demo')
    .option('--users <n>', 'simulated Purchasely users per cohort', parsePositive('--users'), 30)
    .option('--speed <x>', 'simulated seconds per real second (86400 = a day per second)', parsePositive('--speed'), 86_400)
    .action(async (o: DemoCommandOptions) => {
      const demo = await startDemo({
        port: demoPort(o.port, process.env),
        dataDir: o.dataDir,
        users: Math.floor(o.users),
        speed: o.speed,
        logLevel: process.env.LOG_LEVEL ?? 'warn',
      });
      process.stdout.write(
        [
          '',
          'pcbridge demo is running',
          `  dashboard:          ${demo.dashboardUrl}`,
          `  admin token:        ${demo.adminToken}   (demo only: log in to the dashboard with it)`,
          `  app:                ${demo.appId}   webhook ${demo.webhookUrl}`,
          `  CleverTap emulator: ${demo.emulatorUrl}   records: ${demo.emulatorUrl}/_emulator/records`,
          `  simulator:          ${o.users} Purchasely users per cohort, ×${o.speed} time`,
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      // Listeners stay: Ctrl-C reaches this process from the terminal and again from
      // scripts/start.mjs, and the repeat must not kill the demo while it stops.
      await new Promise<void>((resolve) => {
        process.on('SIGINT', () => resolve());
        process.on('SIGTERM', () => resolve());
      });
      process.stdout.write('stopping the demo…\n');
      const records = demo.emulator.stats().records;
      await demo.stop();
      process.stdout.write(`demo stopped: ${demo.simulator.stats().acknowledged} events sent, ${records} records reached the emulator\n`);
      // Like serve: nothing should be left, but a stray keep-alive socket must not keep the demo up.
      process.exit(0);
    });
}
