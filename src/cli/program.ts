import { Command, CommanderError } from 'commander';
import { registerAdminTokenCommand } from './commands/admin-token.js';
import { registerAppsCommand } from './commands/apps.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerImportCommand } from './commands/import.js';
import { registerIntegrationCommand } from './commands/integration.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { EXIT_USAGE, failAndExit } from './exit.js';
import { registerEmulatorCommand } from '../../tools/clevertap-emulator/command.js';

/** The `pcbridge` command line; every command has --help and exits 2 on a wrong argument. */
export function buildProgram(): Command {
  const program = new Command('pcbridge').description('Purchasely server events to CleverTap, durably').showHelpAfterError('(run with --help for usage)').enablePositionalOptions();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerAdminTokenCommand(program);
  registerAppsCommand(program);
  registerIntegrationCommand(program);
  registerEmulatorCommand(program);
  registerImportCommand(program);
  registerReplayCommand(program);
  registerReconcileCommand(program);
  registerSimulateCommand(program);
  registerDemoCommand(program);
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
  }
  return program;
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      process.exit(ok ? 0 : EXIT_USAGE);
    }
    failAndExit(err);
  }
}
