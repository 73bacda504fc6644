import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/apps/apps-service.js';
import { createRateLimiter } from '../../src/import/rate-limiter.js';
import { formatImportSummary, importEvents, readNdjsonLines } from '../../src/import/index.js';
import { createTestContext, type TestContext } from '../helpers/context.js';
import { DIALECTS } from '../helpers/databases.js';
import { runCli } from '../helpers/processes.js';
import { PURCHASELY_FIXTURE_DIR } from '../helpers/fixtures.js';

const FIXTURES = new URL(`file://${PURCHASELY_FIXTURE_DIR}/`);
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8'));

const activate = fixture('ACTIVATE');
const started = fixture('SUBSCRIPTION_STARTED');
const transaction = fixture('TRANSACTION_PROCESSED');

interface EventRow {
  event_id: string;
  event_name: string;
  user_key: string | null;
  user_id: string | null;
  anonymous_user_id: string | null;
  environment: string | null;
  event_created_at: number;
  status: string;
  reason: string | null;
  raw_body: Buffer;
}

describe.each(DIALECTS)('pcbridge import on %s', (dialect) => {
  let t: TestContext;
  let appId: string;

  beforeAll(async () => {
    t = await createTestContext(dialect);
    appId = (await createApp(t.ctx, { name: 'Import', webhookSecret: 'shared-secret' })).id;
  });
  afterAll(async () => t.close());

  const rowsOf = (id: string) =>
    t.ctx.store.db.all<EventRow>(
      'SELECT event_id, event_name, user_key, user_id, anonymous_user_id, environment, event_created_at, status, reason, raw_body FROM events WHERE app_id = ? ORDER BY seq',
      [id],
    );

  it('imports usable lines like the webhook stores them, skips bad ones by line number, and imports nothing twice on a re-run', async () => {
    const lines = [
      JSON.stringify(started),
      'not json at all',
      '',
      JSON.stringify(activate),
      '[1, 2, 3]',
      JSON.stringify({ event_name: 'ACTIVATE', event_created_at_ms: 1 }),
      JSON.stringify(transaction),
    ];
    const file = join(t.db.dir, 'backlog.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const first = await importEvents(t.ctx, { appId, lines: readNdjsonLines(file) });
    expect(first).toMatchObject({ imported: 3, duplicates: 0, skipped: 3 });
    expect(first.skippedLines).toEqual([
      { lineNumber: 2, reason: 'invalid_json' },
      { lineNumber: 5, reason: 'not_an_object' },
      { lineNumber: 6, reason: 'missing_event_id' },
    ]);
    expect(formatImportSummary(first)).toBe('imported 3, duplicates 0, skipped 3 (lines 2: invalid_json, 5: not_an_object, 6: missing_event_id)');

    const rows = await rowsOf(appId);
    expect(rows.map((r) => [r.event_id, r.event_name, r.status])).toEqual([
      ['1a03612c-4960-40be-bc69-eeab14f9c6e9', 'SUBSCRIPTION_STARTED', 'received'],
      ['5e45109f-7fac-45f8-a7e4-464892d5d35d', 'ACTIVATE', 'received'],
      ['a2430cab-b56f-45d6-9268-8f9f35e20b59', 'TRANSACTION_PROCESSED', 'received'],
    ]);
    expect(rows[0]).toMatchObject({
      user_key: '5ca811b6-46e9-4847-9381-3911bd5fcd7b',
      user_id: null,
      anonymous_user_id: '5ca811b6-46e9-4847-9381-3911bd5fcd7b',
      environment: 'SANDBOX',
      event_created_at: 1702389064953,
      reason: null,
    });
    expect(rows[1]).toMatchObject({ user_key: 'toto', user_id: 'toto', event_created_at: 1702390766120 });
    expect(JSON.parse(Buffer.from(rows[1]!.raw_body).toString('utf8'))).toEqual(activate);

    const second = await importEvents(t.ctx, { appId, lines: readNdjsonLines(file) });
    expect(second).toMatchObject({ imported: 0, duplicates: 3, skipped: 3 });
    expect(await rowsOf(appId)).toHaveLength(3);
  });

  it('counts a payload repeated inside one file as a duplicate', async () => {
    const other = (await createApp(t.ctx, { name: 'Repeat', webhookSecret: 's' })).id;
    const line = JSON.stringify(activate);
    const summary = await importEvents(t.ctx, {
      appId: other,
      lines: [line, line, JSON.stringify(started)].map((text, i) => ({ lineNumber: i + 1, text })),
    });
    expect(summary).toMatchObject({ imported: 2, duplicates: 1, skipped: 0 });
  });

  it("applies the webhook's own quarantine rules: an over-long user_id is skipped, not imported", async () => {
    const strict = (await createApp(t.ctx, { name: 'Strict', webhookSecret: 's' })).id;
    const summary = await importEvents(t.ctx, {
      appId: strict,
      lines: [{ lineNumber: 1, text: JSON.stringify({ ...activate, user_id: 'u'.repeat(300) }) }],
    });
    expect(summary).toMatchObject({ imported: 0, skipped: 1, skippedLines: [{ lineNumber: 1, reason: 'invalid_user_id' }] });
  });

  it('loads a backlog spread over many batches', async () => {
    const bulk = (await createApp(t.ctx, { name: 'Bulk', webhookSecret: 's' })).id;
    const lines = Array.from({ length: 1234 }, (_, i) => ({
      lineNumber: i + 1,
      text: JSON.stringify({ ...transaction, event_id: `bulk-${i}`, user_id: `user-${i % 50}` }),
    }));
    const summary = await importEvents(t.ctx, { appId: bulk, lines, batchSize: 500 });
    expect(summary).toMatchObject({ imported: 1234, duplicates: 0, skipped: 0 });
    const count = await t.ctx.store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE app_id = ?', [bulk]);
    expect(Number(count!.n)).toBe(1234);
  });

  it('refuses an unknown app', async () => {
    await expect(importEvents(t.ctx, { appId: 'app_missing', lines: [] })).rejects.toMatchObject({ code: 'unknown_app' });
  });

  it('bounds the pace with a rate', async () => {
    const paced = (await createApp(t.ctx, { name: 'Paced', webhookSecret: 's' })).id;
    const lines = Array.from({ length: 30 }, (_, i) => ({ lineNumber: i + 1, text: JSON.stringify({ ...activate, event_id: `paced-${i}` }) }));
    const started = Date.now();
    const summary = await importEvents(t.ctx, { appId: paced, lines, rate: 50 });
    const elapsed = Date.now() - started;
    expect(summary.imported).toBe(30);
    // 30 events at 50/s: the last may leave 29/50 s = 580 ms after the first.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(3000);
  });

  it('runs as a command that prints the summary and exits 0, and exits 2 on a wrong argument', async () => {
    const cliApp = (await createApp(t.ctx, { name: 'Cli', webhookSecret: 's' })).id;
    const file = join(t.db.dir, 'cli.ndjson');
    writeFileSync(file, `${JSON.stringify(activate)}\n{"oops"\n`);
    const ok = await runCli(['import', file, '--app', cliApp], t.env);
    expect(ok.stderr).not.toContain('Error');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toBe('imported 1, duplicates 0, skipped 1 (lines 2: invalid_json)');

    const again = await runCli(['import', file, '--app', cliApp], t.env);
    expect(again.stdout.trim()).toBe('imported 0, duplicates 1, skipped 1 (lines 2: invalid_json)');

    const badRate = await runCli(['import', file, '--app', cliApp, '--rate', 'fast'], t.env);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr.trim().split('\n')[0]).toContain('--rate');

    const noApp = await runCli(['import', file, '--app', 'app_nope'], t.env);
    expect(noApp.code).toBe(2);
    expect(noApp.stderr).toContain('no app with id app_nope');
  }, 90_000);
});

describe('rate limiter', () => {
  it('schedules item i at start + i / rate', async () => {
    let now = 1000;
    const waits: number[] = [];
    const limiter = createRateLimiter({
      perSecond: 10,
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    await limiter.take(1); // item 0 at t=0
    await limiter.take(5); // items 1..5: last at 500 ms
    await limiter.take(5); // items 6..10: last at 1000 ms
    expect(waits).toEqual([500, 500]);
  });

  it('never waits without a rate', async () => {
    const limiter = createRateLimiter({ perSecond: null, sleep: async () => expect.unreachable('no wait expected') });
    await limiter.take(1_000_000);
  });
});
