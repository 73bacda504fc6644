/**
 * Drives a fuzz run against a bridge: sends fuzzed webhooks (with a plain documented event
 * every tenth request, the control group), then reads everything back through the REST API and
 * counts what went wrong. The bridge's processing must be running (the caller starts it).
 */
import fc from 'fast-check';
import { expectedStatus, fuzzedHeaders, webhookArb, type FuzzedWebhook } from './arbitraries.js';

/** One HTTP exchange: how the run reaches the bridge (Fastify's inject, or a real socket). */
export type Send = (req: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: Buffer }) => Promise<{ status: number; text: string }>;

export interface FuzzOptions {
  send: Send;
  appId: string;
  secret: string;
  /** Authorization header value for the REST API. */
  authorization: string;
  requests: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** How long processing may take to drain after the last request. */
  drainTimeoutMs?: number;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  /** Answers of 500 or more (webhook and API alike). */
  serverErrors: number;
  /** Webhook answers other than the one the SPEC owes the request. */
  unexpected: string[];
  /** Events the webhook acknowledged as new (`stored` or `quarantined`). */
  acknowledged: number;
  /** Events listed by the API (should equal `acknowledged`). */
  listed: number;
  /** Listed events whose detail did not answer 200. */
  unreadable: number;
  /** The first few of those: id, status and answer. */
  unreadableSamples: string[];
  /** Events still `received` when processing should have drained. */
  stuck: number;
  /** Control events (plain documented payloads) that did not end processed. */
  controlsNotProcessed: string[];
}

const CONTROL_EVERY = 10;

/** Sends `requests` fuzzed webhooks and reports what the bridge did with them. */
export async function runWebhookFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const samples = fc.sample(webhookArb, { numRuns: opts.requests, seed: opts.seed });
  const report: FuzzReport = {
    requests: 0,
    byStatus: {},
    serverErrors: 0,
    unexpected: [],
    acknowledged: 0,
    listed: 0,
    unreadable: 0,
    unreadableSamples: [],
    stuck: 0,
    controlsNotProcessed: [],
  };
  const controls: string[] = [];
  const webhook = `/webhooks/purchasely/${encodeURIComponent(opts.appId)}`;

  const sendOne = async (r: FuzzedWebhook): Promise<void> => {
    const res = await opts.send({ method: 'POST', url: webhook, headers: fuzzedHeaders(r, opts.secret), body: r.body });
    report.requests += 1;
    report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
    if (res.status >= 500) report.serverErrors += 1;
    const expected = expectedStatus(r);
    if (res.status !== expected) report.unexpected.push(`${res.status} instead of ${expected}: ${res.text.slice(0, 200)}`);
    if (res.status === 200 && !res.text.includes('"duplicate"')) report.acknowledged += 1;
  };

  const queue: FuzzedWebhook[] = [];
  samples.forEach((sample, i) => {
    queue.push(sample);
    if (i % CONTROL_EVERY === 0) {
      const id = `control-${opts.seed}-${i}`;
      controls.push(id);
      queue.push({ body: Buffer.from(JSON.stringify(controlPayload(id))), signature: 'valid', garbage: '', contentType: 'application/json' });
    }
  });
  const concurrency = opts.concurrency ?? 16;
  for (let i = 0; i < queue.length; i += concurrency) await Promise.all(queue.slice(i, i + concurrency).map(sendOne));

  const api = async (url: string) => {
    const res = await opts.send({ method: 'GET', url: `/api/v1/apps/${encodeURIComponent(opts.appId)}${url}`, headers: { authorization: opts.authorization } });
    if (res.status >= 500) report.serverErrors += 1;
    return res;
  };
  const deadline = Date.now() + (opts.drainTimeoutMs ?? 120_000);
  for (;;) {
    const res = await api('/events?status=received&limit=200');
    const items = res.status === 200 ? (JSON.parse(res.text) as { items: unknown[] }).items : [];
    report.stuck = items.length;
    if (items.length === 0 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  let cursor: string | null = null;
  const statusOf = new Map<string, string>();
  do {
    const res = await api(`/events?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) {
      report.unexpected.push(`events list answered ${res.status}: ${res.text.slice(0, 200)}`);
      break;
    }
    const page = JSON.parse(res.text) as { items: { eventId: string; status: string; reason: string | null }[]; nextCursor: string | null };
    for (const item of page.items) {
      report.listed += 1;
      statusOf.set(item.eventId, item.reason === null ? item.status : `${item.status}: ${item.reason}`);
      const detail = await api(`/events/${encodeURIComponent(item.eventId)}`);
      if (detail.status !== 200) {
        report.unreadable += 1;
        if (report.unreadableSamples.length < 5) report.unreadableSamples.push(`${JSON.stringify(item.eventId).slice(0, 300)} → ${detail.status} ${detail.text.slice(0, 200)}`);
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== null);

  for (const id of controls) {
    const status = statusOf.get(id);
    const processed = status !== undefined && !status.startsWith('received') && !status.startsWith('quarantined') && !status.includes('processing_error');
    if (!processed) report.controlsNotProcessed.push(`${id}: ${status ?? 'missing'}`);
  }
  return report;
}

function controlPayload(eventId: string): Record<string, unknown> {
  const now = Date.now();
  return {
    api_version: 3,
    event_id: eventId,
    event_name: 'SUBSCRIPTION_RENEWED',
    event_created_at: new Date(now).toISOString(),
    event_created_at_ms: now,
    user_id: `control-user-${eventId}`,
    environment: 'PRODUCTION',
    purchase_type: 'RENEWING_SUBSCRIPTION',
    product: 'PURCHASELY_PLUS',
    plan: 'monthly',
    store: 'APPLE_APP_STORE',
    subscription_status: 'AUTO_RENEWING',
    purchasely_subscription_id: `subs_${eventId}`,
    offer_type: 'NONE',
  };
}
