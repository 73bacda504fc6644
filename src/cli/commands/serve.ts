import type { Command } from 'commander';
import { ensureAdminToken } from '../../bootstrap.js';
import { loadConfig, type ConfigFlags } from '../../config.js';
import { openContext } from '../../runtime.js';
import { startServer } from '../../server.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the bridge: webhooks, REST API, dashboard, processing and delivery (by role)')
    .option('--port <port>', 'HTTP port (PORT, default 8080)')
    .option('--host <host>', 'bind address (HOST, default 0.0.0.0)')
    .option('--database-url <url>', 'sqlite:<path> or postgres://… (DATABASE_URL)')
    .option('--clevertap-base-url <url>', 'send CleverTap calls here instead of the region host (PCBRIDGE_CLEVERTAP_BASE_URL)')
    .option('--clevertap-timeout <duration>', 'timeout of one upload request, e.g. 30s (PCBRIDGE_CLEVERTAP_TIMEOUT)')
    .option('--clevertap-concurrency <n>', 'upload requests in flight per account, 1-15 (PCBRIDGE_CLEVERTAP_CONCURRENCY)')
    .option('--retry-schedule <list>', 'delays between delivery attempts, e.g. 10s,1m,5m (PCBRIDGE_RETRY_SCHEDULE)')
    .option('--role <role>', 'all | api | worker (PCBRIDGE_ROLE)')
    .option('--log-level <level>', 'pino level (LOG_LEVEL)')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(process.env, flags);
      const { ctx, generatedKeyPath } = await openContext(config);
      const { generated: generatedAdminToken } = await ensureAdminToken(ctx.store, config);
      if (generatedKeyPath) ctx.logger.info({ path: generatedKeyPath }, 'generated a secret key (keep this file: it decrypts stored secrets)');
      const server = await startServer(ctx);
      if (generatedAdminToken) {
        // Printed once, on stdout only; the database keeps its hash.
        process.stdout.write(
          `\n  Admin token (shown once, keep it): ${generatedAdminToken}\n  Replace it with: npx pcbridge admin-token reset\n\n`,
        );
      }
      const where = server.address ? server.address.replace('0.0.0.0', 'localhost') : null;
      ctx.logger.info({ role: config.role, address: server.address, store: config.database.dialect }, 'pcbridge started');
      if (where) process.stdout.write(`pcbridge listening on ${where} (dashboard: ${where}/)\n`);
      const shutdown = (signal: string) => {
        ctx.logger.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            ctx.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
}
