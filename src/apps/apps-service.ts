import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { generateToken } from '../secrets.js';
import type { AppRecord } from '../store/repos/apps-repo.js';

/** What the API shows of an app: never a secret, never a key. */
export interface AppOut {
  id: string;
  name: string;
  webhookPath: string;
  signatureToleranceSeconds: number;
  allowLegacySignatures: boolean;
  previousWebhookSecretActive: boolean;
  createdAt: string;
  updatedAt: string;
}

export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export function webhookPathOf(appId: string): string {
  return `/webhooks/purchasely/${appId}`;
}

export function toAppOut(app: AppRecord): AppOut {
  return {
    id: app.id,
    name: app.name,
    webhookPath: webhookPathOf(app.id),
    signatureToleranceSeconds: app.signatureToleranceSeconds,
    allowLegacySignatures: app.allowLegacySignatures,
    previousWebhookSecretActive: app.previousWebhookSecretEnc !== null,
    createdAt: new Date(app.createdAt).toISOString(),
    updatedAt: new Date(app.updatedAt).toISOString(),
  };
}

/** App ids are short, URL-safe and unguessable enough not to enumerate (`app_` + 16 base32). */
export function generateAppId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(16);
  return `app_${Array.from(bytes, (b) => alphabet[b % 32]).join('')}`;
}

export function generateSdkKey(): string {
  return generateToken('pcb_sdk');
}

/** Creates an app with Purchasely's shared secret; returns it with the SDK key, shown this once. */
export async function createApp(ctx: AppContext, input: { name: string; webhookSecret: string }): Promise<AppOut & { sdkKey: string }> {
  const now = ctx.clock.now();
  const sdkKey = generateSdkKey();
  const app: AppRecord = {
    id: generateAppId(),
    name: input.name,
    webhookSecretEnc: ctx.secrets.encrypt(input.webhookSecret),
    previousWebhookSecretEnc: null,
    sdkKeyDigest: ctx.secrets.digest(sdkKey),
    signatureToleranceSeconds: DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
    allowLegacySignatures: false,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.apps.insert(app);
  return { ...toAppOut(app), sdkKey };
}

export async function requireApp(ctx: AppContext, appId: string): Promise<AppRecord> {
  const app = await ctx.store.apps.get(appId);
  if (!app) throw new AppError('not_found', `No app with id ${appId}.`);
  return app;
}

/** Sets Purchasely's new secret; the current one stays valid as "previous" until retired. */
export async function setWebhookSecret(ctx: AppContext, appId: string, secret: string): Promise<AppOut> {
  const updated = await ctx.store.transaction(async (tx) => {
    const app = await tx.apps.get(appId);
    if (!app) throw new AppError('not_found', `No app with id ${appId}.`);
    return tx.apps.update(appId, { webhookSecretEnc: ctx.secrets.encrypt(secret), previousWebhookSecretEnc: app.webhookSecretEnc }, ctx.clock.now());
  });
  return toAppOut(updated!);
}

export async function retirePreviousWebhookSecret(ctx: AppContext, appId: string): Promise<AppOut> {
  const updated = await ctx.store.apps.update(appId, { previousWebhookSecretEnc: null }, ctx.clock.now());
  if (!updated) throw new AppError('not_found', `No app with id ${appId}.`);
  return toAppOut(updated);
}

export async function rotateSdkKey(ctx: AppContext, appId: string): Promise<{ sdkKey: string }> {
  const sdkKey = generateSdkKey();
  const updated = await ctx.store.apps.update(appId, { sdkKeyDigest: ctx.secrets.digest(sdkKey) }, ctx.clock.now());
  if (!updated) throw new AppError('not_found', `No app with id ${appId}.`);
  return { sdkKey };
}

/** The secrets a webhook signature may be made with: the current one, then the previous one. */
export function activeWebhookSecrets(ctx: AppContext, app: AppRecord): string[] {
  const secrets = [ctx.secrets.decrypt(app.webhookSecretEnc)];
  if (app.previousWebhookSecretEnc) secrets.push(ctx.secrets.decrypt(app.previousWebhookSecretEnc));
  return secrets;
}
