import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openContext } from '../../runtime/runtime.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply database migrations (safe when several instances run it at once), then exit')
    .action(async () => {
      const config = loadConfig(process.env, {}, 'tool');
      const { ctx, appliedMigrations: applied } = await openContext(config);
      process.stdout.write(applied.length ? `applied migrations: ${applied.join(', ')}\n` : 'database is up to date\n');
      await ctx.store.close();
    });
}
