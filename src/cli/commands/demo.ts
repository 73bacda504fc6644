import { InvalidArgumentError, type Command } from 'commander';
import { startDemo } from '../../demo/start-demo.js';

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('--port is a port number from 0 to 65535 (0: any free port).');
  return n;
}

function parsePositive(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number.`);
    return n;
  };
}

interface DemoCommandOptions {
  port: number;
  dataDir: string;
  users: number;
  speed: number;
}

/** `pcbridge demo` (`npm run demo`): bridge + CleverTap emulator + Purchasely simulator in one process (SPEC §1). */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the bridge with the CleverTap emulator and the Purchasely simulator, preconfigured: watch events flow end to end')
    .option('--port <port>', 'dashboard/API port; the next free one is used when busy; 0 = any free port', parsePort, 8080)
    .option('--data-dir <dir>', 'folder of the demo database (SQLite)', './data/demo')
    .option('--users <n>', 'simulated Purchasely users per cohort', parsePositive('--users'), 30)
    .option('--speed <x>', 'simulated seconds per real second (86400 = a day per second)', parsePositive('--speed'), 86_400)
    .action(async (o: DemoCommandOptions) => {
      const demo = await startDemo({ port: o.port, dataDir: o.dataDir, users: Math.floor(o.users), speed: o.speed, logLevel: process.env.LOG_LEVEL ?? 'warn' });
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
