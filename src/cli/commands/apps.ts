import type { Command } from 'commander';
import { createApp, toAppOut } from '../../apps/apps-service.js';
import { loadConfig } from '../../config.js';
import { openContext } from '../../runtime/runtime.js';

export function registerAppsCommand(program: Command): void {
  const apps = program.command('apps').description('Manage apps (acts on DATABASE_URL directly)');
  apps
    .command('create')
    .description('Create an app; prints its id, webhook path and SDK key (shown once)')
    .requiredOption('--name <name>', 'app name')
    .option('--secret <secret>', "Purchasely's client shared secret (Console → Settings → Webhooks); else PCBRIDGE_WEBHOOK_SECRET")
    .option('--json', 'print JSON')
    .action(async (opts: { name: string; secret?: string; json?: boolean }) => {
      const secret = opts.secret ?? process.env.PCBRIDGE_WEBHOOK_SECRET;
      if (!secret) {
        const { UsageError } = await import('../exit.js');
        throw new UsageError("apps create needs --secret (Purchasely's client shared secret) or PCBRIDGE_WEBHOOK_SECRET");
      }
      const { ctx } = await openContext(loadConfig(process.env, {}, 'tool'));
      const created = await createApp(ctx, { name: opts.name, webhookSecret: secret });
      await ctx.store.close();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(created)}\n`);
        return;
      }
      process.stdout.write(`created app ${created.id} (${created.name})\n  webhook path: ${created.webhookPath}\n  SDK key (shown once): ${created.sdkKey}\n`);
    });
  apps
    .command('list')
    .description('List apps')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { ctx } = await openContext(loadConfig(process.env, {}, 'tool'));
      const list = (await ctx.store.apps.list()).map(toAppOut);
      await ctx.store.close();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no apps yet: npx pcbridge apps create --name NAME --secret SECRET\n');
      for (const a of list) process.stdout.write(`${a.id}\t${a.name}\t${a.webhookPath}\n`);
    });
}
