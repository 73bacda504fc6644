import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyPurchaselySignature } from '../../src/purchasely/signature.js';
import { createPurchaselySimulator, type AttemptReport } from '../../tools/purchasely-simulator/index.js';

const SECRET = 'purchasely-shared-secret';

interface Received {
  body: string;
  status: number;
  signed: boolean;
}

/** A webhook stand-in that answers `statusFor(n)` to the n-th request and checks signatures. */
async function startReceiver(statusFor: (n: number, body: string) => number): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const verdict = verifyPurchaselySignature({
        secrets: [SECRET],
        headers: {
          signature: req.headers['x-purchasely-request-signature'] as string,
          timestamp: req.headers['x-purchasely-timestamp'] as string,
        },
        rawBody: raw,
        nowMs: Date.now(),
        toleranceSeconds: 300,
        allowLegacy: false,
      });
      const status = verdict.ok ? statusFor(received.length, raw.toString('utf8')) : 401;
      received.push({ body: raw.toString('utf8'), status, signed: verdict.ok });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/purchasely/app_test`, received, server };
}

describe('Purchasely sender', () => {
  let server: Server | null = null;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  it('retries while the receiver answers 500, with the same body, and keeps each user in order', async () => {
    const failUntil = Date.now() + 800;
    const receiver = await startReceiver(() => (Date.now() < failUntil ? 500 : 200));
    server = receiver.server;
    const attempts: AttemptReport[] = [];
    const simulator = createPurchaselySimulator({
      target: receiver.url,
      secret: SECRET,
      users: 12,
      seed: 5,
      pace: false,
      minRetryDelayMs: 100,
      speed: 1_000,
      onAttempt: (a) => attempts.push(a),
    });
    const expected = simulator.lifecycles().flatMap((l) => l.events);
    const summary = await simulator.run();

    expect(summary.generated).toBe(expected.length);
    expect(summary.acknowledged).toBe(expected.length);
    expect(summary.abandoned).toBe(0);
    expect(summary.retries).toBeGreaterThan(0);
    expect(receiver.received.every((r) => r.signed)).toBe(true);
    expect(receiver.received.some((r) => r.status === 500)).toBe(true);

    // Every event acknowledged exactly once; every retry carried the very same body.
    const bodiesById = new Map<string, Set<string>>();
    const acks = new Map<string, number>();
    for (const r of receiver.received) {
      const id = JSON.parse(r.body).event_id as string;
      (bodiesById.get(id) ?? bodiesById.set(id, new Set()).get(id)!).add(r.body);
      if (r.status === 200) acks.set(id, (acks.get(id) ?? 0) + 1);
    }
    expect(acks.size).toBe(expected.length);
    expect([...acks.values()].every((n) => n === 1)).toBe(true);
    expect([...bodiesById.values()].every((bodies) => bodies.size === 1)).toBe(true);

    // Per user: attempts walk the user's events in order, and move on only after a 200.
    const orderOf = new Map(expected.map((e, i) => [String(e.payload.event_id), i]));
    const byUser = new Map<string, AttemptReport[]>();
    for (const a of attempts) (byUser.get(a.userKey) ?? byUser.set(a.userKey, []).get(a.userKey)!).push(a);
    for (const [userKey, list] of byUser) {
      const wanted = expected.filter((e) => e.userKey === userKey).map((e) => String(e.payload.event_id));
      const acked = list.filter((a) => a.acknowledged).map((a) => a.eventId);
      expect(acked).toEqual(wanted);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const cur = list[i]!;
        if (cur.eventId !== prev.eventId) {
          expect(prev.acknowledged).toBe(true);
          expect(orderOf.get(cur.eventId)!).toBeGreaterThan(orderOf.get(prev.eventId)!);
        } else {
          expect(cur.attempt).toBe(prev.attempt + 1);
        }
      }
    }
  });

  it("gives an event up after the last retry and goes on with the user's next events", async () => {
    let firstId: string | null = null;
    const receiver = await startReceiver((_n, body) => {
      const id = JSON.parse(body).event_id as string;
      firstId ??= id;
      return id === firstId ? 503 : 200;
    });
    server = receiver.server;
    const { createPurchaselySender } = await import('../../tools/purchasely-simulator/index.js');
    const sender = createPurchaselySender({ target: receiver.url, secret: SECRET, retryDelaysMs: [10, 10], minRetryDelayMs: 1 });
    const base = { api_version: 3, event_name: 'ACTIVATE', event_created_at_ms: 1_700_000_000_000, user_id: 'u1' };
    sender.enqueue({ dueAtMs: 0, userKey: 'u1', payload: { ...base, event_id: 'e1' } });
    sender.enqueue({ dueAtMs: 0, userKey: 'u1', payload: { ...base, event_id: 'e2' } });
    await sender.idle();
    expect(sender.stats()).toMatchObject({ queued: 2, acknowledged: 1, abandoned: 1, attempts: 4, retries: 2, pending: 0 });
    expect(receiver.received.map((r) => [JSON.parse(r.body).event_id, r.status])).toEqual([
      ['e1', 503],
      ['e1', 503],
      ['e1', 503],
      ['e2', 200],
    ]);
  });

  it('keeps traffic going with a duration (a new cohort each spread) and stops at the duration', async () => {
    const receiver = await startReceiver(() => 200);
    server = receiver.server;
    // A simulated month per 10 ms: cohorts start a second apart (the floor), events fall due at once.
    const simulator = createPurchaselySimulator({ target: receiver.url, secret: SECRET, users: 3, seed: 9, speed: 30 * 86_400 * 100, durationMs: 2_500 });
    const started = Date.now();
    const summary = await simulator.run();
    const elapsed = Date.now() - started;
    expect(summary.cohorts).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(2_400);
    expect(elapsed).toBeLessThan(6_000);
    expect(summary.acknowledged).toBe(summary.generated);
    // Three cohorts of three people, every one of them sent in full.
    const people = [0, 1, 2].flatMap((k) => simulator.lifecycles(k));
    expect(people).toHaveLength(9);
    const sent = new Set(receiver.received.map((r) => JSON.parse(r.body).event_id as string));
    expect(people.every((l) => l.events.length > 0 && l.events.every((e) => sent.has(String(e.payload.event_id))))).toBe(true);
  });

  it('stops early when asked, and run() resolves', async () => {
    const receiver = await startReceiver(() => 500);
    server = receiver.server;
    const simulator = createPurchaselySimulator({ target: receiver.url, secret: SECRET, users: 2, seed: 3, pace: false, minRetryDelayMs: 50 });
    const running = simulator.run();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await simulator.stop();
    const summary = await running;
    expect(summary.acknowledged).toBe(0);
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.pending).toBeGreaterThan(0);
  });
});
