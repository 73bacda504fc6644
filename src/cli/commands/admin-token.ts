import type { Command } from 'commander';
import { resetAdminToken } from '../../runtime/bootstrap.js';
import { loadConfig } from '../../config.js';
import { openContext } from '../../runtime/runtime.js';
import { UsageError } from '../exit.js';

export function registerAdminTokenCommand(program: Command): void {
  const token = program.command('admin-token').description('Manage the generated admin token');
  token
    .command('reset')
    .description('Replace a generated admin token, end every dashboard session, and print the new token once (running servers pick it up within seconds)')
    .action(async () => {
      const config = loadConfig(process.env);
      if (config.adminToken) {
        throw new UsageError('the admin token comes from PCBRIDGE_ADMIN_TOKEN: change it there instead');
      }
      const { ctx } = await openContext(config);
      const fresh = await resetAdminToken(ctx.store);
      // Sessions opened with the old token would fail anyway once servers see the new hash;
      // deleting them ends them at once, on every instance.
      await ctx.store.sessions.deleteAll();
      process.stdout.write(`New admin token (shown once, keep it): ${fresh}\n`);
      await ctx.store.close();
    });
}
