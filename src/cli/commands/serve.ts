import type { Command } from 'commander';
import { ensureAdminToken } from '../../runtime/bootstrap.js';
import { loadConfig, type ConfigFlags } from '../../config.js';
import type { Logger } from '../../logger.js';
import { openContext } from '../../runtime/runtime.js';
import { DRAIN_TIMEOUT_MS, startServer, type RunningServer } from '../../runtime/server.js';

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
    .option('--public-url <url>', "the bridge's public URL; https:// makes the session cookie Secure (PCBRIDGE_PUBLIC_URL)")
    .option('--trust-proxy <list>', 'off | on | proxy addresses/CIDRs whose X-Forwarded-* headers count (PCBRIDGE_TRUST_PROXY)')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(process.env, flags);
      const { ctx, generatedKeyPath } = await openContext(config, { longRunning: true });
      let server: RunningServer;
      let generatedAdminToken: string | null;
      try {
        ({ generated: generatedAdminToken } = await ensureAdminToken(ctx.store, config));
        if (generatedKeyPath) ctx.logger.info({ path: generatedKeyPath }, 'generated a secret key (keep this file: it decrypts stored secrets)');
        server = await startServer(ctx);
      } catch (err) {
        await ctx.store.close().catch(() => undefined);
        throw err;
      }
      // Before anything announces the server: stdout to a pipe is written synchronously on Linux,
      // so whoever reads "listening" may signal at once, and must not find the default handler.
      stopOnSignals(ctx.logger, server);
      if (generatedAdminToken) {
        // Printed once, on stdout only; the database keeps its hash.
        process.stdout.write(`\n  Admin token (shown once, keep it): ${generatedAdminToken}\n  Replace it with: npx pcbridge admin-token reset\n\n`);
      }
      const where = server.address ? server.address.replace('0.0.0.0', 'localhost') : null;
      ctx.logger.info({ role: config.role, address: server.address, store: config.database.dialect }, 'pcbridge started');
      if (where) process.stdout.write(`pcbridge listening on ${where} (dashboard: ${where}/)\n`);
    });
}

/**
 * SIGTERM (service managers, container runtimes, `npm start`'s script) and SIGINT (Ctrl-C) stop
 * the bridge within the drain time, then exit 0. The same signal may arrive twice — from a
 * service manager that signals every process of the unit and from `scripts/start.mjs` passing
 * it on, or from a terminal's Ctrl-C and the script — so a repeat never cuts the drain short.
 */
function stopOnSignals(logger: Logger, server: RunningServer): void {
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.info({ signal }, 'already stopping');
      return;
    }
    stopping = true;
    logger.info({ signal, drainMs: DRAIN_TIMEOUT_MS }, 'shutting down');
    // Should the stop itself hang, the process still ends: late, and not as a clean stop.
    setTimeout(() => {
      logger.error('shutdown did not finish; exiting');
      process.exit(1);
    }, DRAIN_TIMEOUT_MS + 5_000).unref();
    server.stop().then(
      () => {
        logger.info('pcbridge stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
