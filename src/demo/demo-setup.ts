import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, rotateSdkKey } from '../apps/apps-service.js';
import type { AppContext } from '../context.js';
import { saveIntegrationSettings } from '../settings/integration-settings-service.js';
import { defaultIntegrationSettings, enableAll } from '../settings/index.js';

export const DEMO_APP_NAME = 'pcbridge demo';
export const DEMO_ACCOUNT = { accountId: 'DEMO-ACCOUNT', passcode: 'demo-passcode' } as const;

/**
 * The demo's admin token, kept beside its database so a second `npm run demo` on the same
 * folder shows the same token (a generated token is only ever stored hashed).
 */
export function loadOrCreateDemoToken(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'demo-admin-token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = `pcb_demo_${randomBytes(18).toString('base64url')}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}

/**
 * The demo app (created on first run), its Purchasely shared secret for the simulator, and an
 * SDK key for the demo's stand-in mobile app (made anew on a later run: only its digest is kept).
 */
export async function ensureDemoApp(ctx: AppContext): Promise<{ appId: string; webhookSecret: string; sdkKey: string }> {
  const existing = (await ctx.store.apps.list()).find((a) => a.name === DEMO_APP_NAME);
  if (existing) {
    const { sdkKey } = await rotateSdkKey(ctx, existing.id);
    return { appId: existing.id, webhookSecret: ctx.secrets.decrypt(existing.webhookSecretEnc), sdkKey };
  }
  const webhookSecret = randomBytes(24).toString('base64url');
  const created = await createApp(ctx, { name: DEMO_APP_NAME, webhookSecret });
  return { appId: created.id, webhookSecret, sdkKey: created.sdkKey };
}

/**
 * Saves the demo's CleverTap integration: enabled, on the emulator's demo account, every event
 * and user property on, sandbox events to the same account (the simulator sends some),
 * identity `auto`. Anonymous users' records wait a minute for a CleverTap ID, then are skipped
 * as `no_identity`, so the log shows that path too without holding records for a day.
 */
export async function configureDemoIntegration(ctx: AppContext, appId: string): Promise<void> {
  const all = enableAll(enableAll(defaultIntegrationSettings(), 'events'), 'userProperties');
  await saveIntegrationSettings(
    ctx,
    appId,
    {
      enabled: true,
      region: 'eu1',
      accountId: DEMO_ACCOUNT.accountId,
      passcode: DEMO_ACCOUNT.passcode,
      sandbox: 'same_account',
      events: all.events,
      userProperties: all.userProperties,
      identity: { mode: 'auto', holdFor: '1m' },
      revenue: { chargedEvent: true, currency: 'integration' },
    },
    'put',
  );
}
