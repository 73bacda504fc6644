import type { Command } from 'commander';
import { resetAdminToken } from '../../bootstrap.js';
import { loadConfig } from '../../config.js';
import { openContext } from '../../runtime.js';
import { UsageError } from '../exit.js';

export function registerAdminTokenCommand(program: Command): void {
  const token = program.command('admin-token').description('Manage the generated admin token');
  token
    .command('reset')
    .description('Replace a generated admin token and print the new one once (running servers pick it up within seconds)')
    .action(async () => {
      const config = loadConfig(process.env);
      if (config.adminToken) {
        throw new UsageError('the admin token comes from PCBRIDGE_ADMIN_TOKEN: change it there instead');
      }
      const { ctx } = await openContext(config);
      const fresh = await resetAdminToken(ctx.store);
      process.stdout.write(`New admin token (shown once, keep it): ${fresh}\n`);
      await ctx.store.close();
    });
}
