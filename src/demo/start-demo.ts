import { resolve } from 'node:path';
import { startClevertapEmulator, type ClevertapEmulator } from '../../tools/clevertap-emulator/index.js';
import { createPurchaselySimulator, type PurchaselySimulator } from '../../tools/purchasely-simulator/index.js';
import { loadConfig } from '../config.js';
import { openContext } from '../runtime/runtime.js';
import { startServer, type RunningServer } from '../runtime/server.js';
import { startDemoIdentities, type DemoIdentities } from './demo-app-identities.js';
import { configureDemoIntegration, DEMO_ACCOUNT, ensureDemoApp, loadOrCreateDemoToken } from './demo-setup.js';
import { findFreePort } from './free-port.js';

export interface DemoOptions {
  /** Folder of the demo's SQLite database (default ./data/demo). */
  dataDir?: string;
  /** Preferred port; the next free one is taken when busy; 0 lets the OS pick (default 8080). */
  port?: number;
  host?: string;
  /** People per simulator cohort (default 30). */
  users?: number;
  /** Simulator time compression (default 86 400: a day per second). */
  speed?: number;
  /** CleverTap emulator latency per upload, ms (default 40). */
  emulatorLatencyMs?: number;
  logLevel?: string;
}

export interface RunningDemo {
  /** Dashboard URL, e.g. http://127.0.0.1:8080/ */
  dashboardUrl: string;
  adminToken: string;
  appId: string;
  webhookUrl: string;
  emulatorUrl: string;
  server: RunningServer;
  emulator: ClevertapEmulator;
  simulator: PurchaselySimulator;
  /** The stand-in mobile app that sets CleverTap IDs for most anonymous users. */
  identities: DemoIdentities;
  /** Stops the simulator, the server (requests in flight finish, workers stop) and the emulator. */
  stop(): Promise<void>;
}

/**
 * `npm run demo`: the bridge (SQLite, role all), the CleverTap emulator in-process with a demo
 * account, an app whose integration is enabled with everything on, and the Purchasely
 * simulator sending continuous traffic to it — one process, one command.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<RunningDemo> {
  const dataDir = resolve(opts.dataDir ?? './data/demo');
  const host = opts.host ?? '127.0.0.1';
  const emulator = await startClevertapEmulator({ accounts: [{ ...DEMO_ACCOUNT }], latencyMs: opts.emulatorLatencyMs ?? 40 });
  try {
    const adminToken = loadOrCreateDemoToken(dataDir);
    const port = await findFreePort(opts.port ?? 8080, host);
    const config = loadConfig({
      DATABASE_URL: `sqlite:${resolve(dataDir, 'pcbridge.db')}`,
      PORT: String(port),
      HOST: host,
      PCBRIDGE_ADMIN_TOKEN: adminToken,
      PCBRIDGE_CLEVERTAP_BASE_URL: emulator.url,
      PCBRIDGE_ROLE: 'all',
      LOG_LEVEL: opts.logLevel ?? 'warn',
    });
    const { ctx } = await openContext(config, { longRunning: true });
    let server: RunningServer;
    let demoApp: { appId: string; webhookSecret: string; sdkKey: string };
    try {
      demoApp = await ensureDemoApp(ctx);
      await configureDemoIntegration(ctx, demoApp.appId);
      server = await startServer(ctx);
    } catch (err) {
      await ctx.store.close().catch(() => undefined);
      throw err;
    }
    const base = server.address!.replace('0.0.0.0', '127.0.0.1');
    const webhookUrl = `${base}/webhooks/purchasely/${demoApp.appId}`;
    const simulator = createPurchaselySimulator({
      target: webhookUrl,
      secret: demoApp.webhookSecret,
      users: opts.users ?? 30,
      speed: opts.speed ?? 86_400,
      // Continuous: a new cohort every spread, until Ctrl-C.
      durationMs: Infinity,
      seed: Date.now() % 1_000_000,
      sandboxRatio: 0.2,
    });
    const identities = startDemoIdentities(ctx, { baseUrl: base, appId: demoApp.appId, sdkKey: demoApp.sdkKey });
    const running = simulator.run().catch((err: unknown) => ctx.logger.error({ err }, 'simulator stopped'));
    let stopping: Promise<void> | null = null;
    return {
      dashboardUrl: `${base}/`,
      adminToken,
      appId: demoApp.appId,
      webhookUrl,
      emulatorUrl: emulator.url,
      server,
      emulator,
      simulator,
      identities,
      stop() {
        stopping ??= (async () => {
          await simulator.stop();
          await running;
          await identities.stop();
          await server.stop();
          await emulator.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await emulator.close().catch(() => undefined);
    throw err;
  }
}
