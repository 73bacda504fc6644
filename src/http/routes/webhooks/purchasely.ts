import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../errors.js';
import { createAppSecretsCache, type WebhookApp } from '../../../ingest/app-secrets-cache.js';
import { EVENT_ROW_BUILDER } from '../../../ingest/build-event-row.js';
import { createIngestWriter } from '../../../ingest/ingest-writer.js';
import { verifyWebhook } from '../../../ingest/verify-webhook.js';
import { toStorableText } from '../../../purchasely/storable-text.js';
import { classifySignatureRefusal } from '../../../rejections/classify-signature-refusal.js';
import type { RejectionReason } from '../../../contract/rejection-reasons.js';
import { createRejectionRecorder } from '../../../rejections/rejection-recorder.js';
import { isStoreUnavailable } from '../../../store/store.js';
import { errorResponses } from '../../schemas.js';

/** Largest webhook body accepted (SPEC §2). */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

const WebhookAckOut = Type.Object({ status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate'), Type.Literal('quarantined')]) });

// Pre-serialised answers: the hot path never builds JSON.
const ACK_STORED = '{"status":"stored"}';
const ACK_DUPLICATE = '{"status":"duplicate"}';
const ACK_QUARANTINED = '{"status":"quarantined"}';

declare module 'fastify' {
  interface FastifyRequest {
    /** The app a webhook is addressed to, found by the route's onRequest hook. */
    webhookApp: WebhookApp | null;
  }
}

/**
 * `POST /webhooks/purchasely/{appId}` (SPEC §2), checked in the table's order: unknown app 404,
 * body over 256 KiB 413, signature 401, then — once signed — the event is stored (or counted as
 * a retry, or quarantined) and 200 is sent only after the commit. Nothing else happens here.
 * Registered outside /api/v1: Purchasely proves itself with the signature, not the admin token.
 */
/** The route's path parameters: typed here, validated by the checks below (in the order Purchasely's retries rely on), not by a schema. */
interface WebhookRoute {
  Params: { appId: string };
}

export async function purchaselyWebhookRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  const apps = createAppSecretsCache(ctx);
  // Asked for now, not at the first webhook: on SQLite this starts the ingest thread, which
  // also parses the bodies (off this thread).
  const writer = createIngestWriter({ store: ctx.store, batches: ctx.store.ingestWriter(EVENT_ROW_BUILDER) });
  // Refusals (401, 404, 413) are queued in memory and written about once a second: the
  // refusal path never waits for the database (src/rejections).
  const rejections = createRejectionRecorder({ store: ctx.store, logger: ctx.logger, registry: ctx.metrics.registry });
  app.addHook('onClose', async () => {
    await writer.close();
    await rejections.close();
  });

  /** Records a refused request (never its body); `size` defaults to the announced Content-Length. */
  function recordRefusal(request: FastifyRequest<WebhookRoute>, reason: RejectionReason, fields: { appId?: string; skewSeconds?: number | null; size?: number } = {}): void {
    const knownApp = request.webhookApp !== null;
    const named = request.params.appId ?? '';
    rejections.record({
      appId: fields.appId ?? (knownApp ? request.webhookApp!.id : storableAppId(named)),
      knownApp,
      source: request.ip,
      reason,
      skewSeconds: fields.skewSeconds ?? null,
      size: fields.size ?? announcedLength(request),
      at: ctx.clock.now(),
    });
  }
  // Declared up front so every request object keeps one shape (V8 hidden classes).
  app.decorateRequest('webhookApp', null);
  // No per-request child logger (pino's child() was ~2 % of a webhook's CPU): the route's few
  // log lines (errors, 503s) carry no request id.
  app.setChildLoggerFactory((logger) => logger);

  // This plugin is encapsulated: the raw-bytes parser applies to the webhook route only. The
  // signature covers the exact bytes, so nothing may decode or re-serialise them first.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BODY_BYTES }, (_request, body, done) => done(null, body));

  app.post<WebhookRoute>(
    '/webhooks/purchasely/:appId',
    {
      // Documentation only: no params/body validation, the checks below follow the SPEC's order.
      schema: {
        tags: ['webhooks'],
        summary: 'Receive one Purchasely server event (called by Purchasely)',
        description:
          'Signed with X-PURCHASELY-REQUEST-SIGNATURE over X-PURCHASELY-TIMESTAMP + the raw body. Answers 200 only once the event is durably stored (or counted as a retry, or quarantined).',
        security: [],
        response: { 200: WebhookAckOut, ...errorResponses(401, 404, 413, 503) },
      },
      bodyLimit: MAX_WEBHOOK_BODY_BYTES,
      // A chunked body cut off while read (no Content-Length to refuse it by): at least one byte
      // over the limit arrived, and that is all that is known of its size.
      onError: async (request: FastifyRequest<WebhookRoute>, _reply: FastifyReply, err: Error & { code?: string }) => {
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') recordRefusal(request, 'payload_too_large', { size: Math.max(announcedLength(request), MAX_WEBHOOK_BODY_BYTES + 1) });
      },
      // Callback style, answered at once when the app is in the cache (every webhook but the
      // first few seconds' worth): no promise on the hot path.
      onRequest: (request: FastifyRequest<WebhookRoute>, _reply: FastifyReply, done: (err?: Error) => void) => {
        const { appId } = request.params;
        const cached = apps.peek(appId);
        if (cached !== undefined) return done(admit(request, cached));
        loadApp(appId)
          .then((found) => admit(request, found ?? null))
          .then(done, done);
      },
    },
    async (request: FastifyRequest<WebhookRoute>, reply: FastifyReply) => {
      const started = performance.now();
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const appId = request.params.appId;
      let webhookApp = request.webhookApp!;
      const nowMs = ctx.clock.now();
      let verdict = verifyWebhook(webhookApp, request.headers, rawBody, nowMs);
      if (!verdict.ok) {
        // The secret or tolerance may have changed a moment ago (on any node): look once more.
        const reloaded = await loadApp(appId, true);
        if (reloaded) {
          webhookApp = reloaded;
          verdict = verifyWebhook(webhookApp, request.headers, rawBody, nowMs);
        }
      }
      if (!verdict.ok) {
        ctx.metrics.webhooks.inc({ outcome: 'rejected' });
        const refusal = classifySignatureRefusal(webhookApp, request.headers, rawBody, nowMs, verdict);
        recordRefusal(request, refusal.reason, { skewSeconds: refusal.skewSeconds, size: rawBody.length });
        throw new AppError('invalid_signature', 'The signature is missing, invalid or outside the accepted time window.');
      }
      ctx.metrics.activity.markWebhook(Date.now());
      let written;
      try {
        written = await writer.receive(appId, rawBody, nowMs);
      } catch (err) {
        throw toStoreError(err);
      }
      const outcome = written.outcome === 'duplicate' ? 'duplicate' : written.quarantined ? 'quarantined' : 'stored';
      ctx.metrics.webhooks.inc({ outcome });
      ctx.metrics.webhookLatency.observe((performance.now() - started) / 1000);
      return reply
        .code(200)
        .header('content-type', 'application/json; charset=utf-8')
        .send(outcome === 'stored' ? ACK_STORED : outcome === 'duplicate' ? ACK_DUPLICATE : ACK_QUARANTINED);
    },
  );

  /**
   * The checks before the body is read: unknown app 404, announced body over the limit 413.
   * Returns the refusal, or undefined when the body may be read.
   */
  function admit(request: FastifyRequest<WebhookRoute>, found: WebhookApp | null): AppError | undefined {
    if (!found) {
      recordRefusal(request, 'unknown_app');
      return new AppError('unknown_app', 'No app with this id.');
    }
    request.webhookApp = found;
    // Say "too large" before reading a byte; chunked bodies are cut off by bodyLimit while read.
    const length = Number(request.headers['content-length']);
    if (length > MAX_WEBHOOK_BODY_BYTES) {
      recordRefusal(request, 'payload_too_large');
      return new AppError('payload_too_large', 'The body is larger than 256 KiB.');
    }
    // Any label (or none) is accepted: once signed, Purchasely must get a 200. Dropping the
    // header sends every body to the catch-all parser instead of fastify's 415 for odd types.
    delete request.raw.headers['content-type'];
    return undefined;
  }

  async function loadApp(appId: string, refresh = false): Promise<WebhookApp | null | undefined> {
    try {
      return refresh ? await apps.refresh(appId) : await apps.get(appId);
    } catch (err) {
      throw toStoreError(err);
    }
  }
}

/** The longest unknown app id kept in the refusal log (ids are far shorter; a path segment may be 1,024 characters). */
const MAX_LOGGED_APP_ID_LENGTH = 256;

/** An unknown app id as the refusal log keeps it: cut to a sane length, NUL and lone surrogates replaced. */
function storableAppId(appId: string): string {
  return toStorableText(appId.length > MAX_LOGGED_APP_ID_LENGTH ? appId.slice(0, MAX_LOGGED_APP_ID_LENGTH) : appId);
}

/** The body size the request announced (Content-Length), or 0 when it announced none (a chunked body is not read before a 404). */
function announcedLength(request: FastifyRequest): number {
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 ? length : 0;
}

/** The store being down is a 503 (Purchasely retries); anything else stays a 500 and is logged. */
function toStoreError(err: unknown): unknown {
  return isStoreUnavailable(err) ? new AppError('store_unavailable', 'The database is not reachable right now; retry later.') : err;
}
