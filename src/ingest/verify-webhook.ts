import type { IncomingHttpHeaders } from 'node:http';
import { verifyPurchaselySignature, type SignatureVerdict } from '../purchasely/signature.js';
import type { WebhookApp } from './app-secrets-cache.js';

/** Checks a webhook's raw bytes against the app's active secrets, tolerance and legacy setting. */
export function verifyWebhook(app: WebhookApp, headers: IncomingHttpHeaders, rawBody: Buffer, nowMs: number): SignatureVerdict {
  return verifyPurchaselySignature({
    secrets: app.secrets,
    headers: {
      signature: headers['x-purchasely-request-signature'] as string | undefined,
      timestamp: headers['x-purchasely-timestamp'] as string | undefined,
      legacySignature: headers['x-purchasely-signature'] as string | undefined,
    },
    rawBody,
    nowMs,
    toleranceSeconds: app.toleranceSeconds,
    allowLegacy: app.allowLegacy,
  });
}
