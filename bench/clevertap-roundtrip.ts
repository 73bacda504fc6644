/**
 * How long one full 1000-record upload takes to round-trip through the CleverTap emulator
 * (serialise → HTTP → validate and store → classify), and proof that sequential requests
 * reuse one keep-alive connection (counted on the emulator side).
 *
 * Run alone: `node --import tsx bench/clevertap-roundtrip.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startClevertapEmulator } from '../tools/clevertap-emulator/index.js';
import { createUploadClient, MAX_RECORDS_PER_REQUEST } from '../src/clevertap/upload-client.js';
import type { CleverTapAccount, CleverTapRecord } from '../src/clevertap/types.js';

export type BenchResult = { name: string; value: number; unit: string };

const RUNS = 20;
const WARMUP = 3;

/** A batch shaped like the bridge's mapped events: ~20 properties, dates, an event_id each. */
function makeBatch(): CleverTapRecord[] {
  const ts = 1_700_000_000;
  return Array.from({ length: MAX_RECORDS_PER_REQUEST }, (_, i) => ({
    type: 'event',
    evtName: 'SUBSCRIPTION_RENEWED',
    ts: ts + i,
    identity: `user-${i % 250}`,
    evtData: {
      event_id: `evt-${i.toString(16).padStart(8, '0')}`,
      event_name: 'SUBSCRIPTION_RENEWED',
      store: 'APPLE_APP_STORE',
      store_country: 'FR',
      product: 'premium',
      plan: 'monthly',
      store_product_id: 'com.example.premium.monthly',
      purchasely_subscription_id: `subs_${i}`,
      subscription_status: 'AUTO_RENEWING',
      offer_type: 'NONE',
      environment: 'PRODUCTION',
      is_family_shared: false,
      amount_in_eur: 9.99,
      cumulated_revenues_in_eur: 59.94,
      purchased_at: `$D_${ts + i}`,
      next_renewal_at: `$D_${ts + i + 2_592_000}`,
      original_purchased_at: `$D_${ts - 15_552_000}`,
      user_id: `user-${i % 250}`,
    },
  }));
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** Runs the benchmark and returns its rows (times in ms). */
export async function benchClevertapRoundtrip(): Promise<BenchResult[]> {
  const account: CleverTapAccount = { region: 'eu1', accountId: 'BENCH-ACCOUNT', passcode: 'bench-passcode' };
  const emulator = await startClevertapEmulator({ accounts: [account] });
  const client = createUploadClient({ timeoutMs: 30_000, baseUrlOverride: emulator.url });
  const batch = makeBatch();
  const times: number[] = [];
  try {
    for (let i = 0; i < WARMUP + RUNS; i += 1) {
      const started = performance.now();
      const outcome = await client.upload(account, batch);
      const elapsed = performance.now() - started;
      if (outcome.kind !== 'success') throw new Error(`bench upload failed: ${outcome.kind} ${outcome.responseBody}`);
      if (i >= WARMUP) times.push(elapsed);
      emulator.clear(); // keeps memory flat; connection count survives a clear
    }
    const stats = emulator.stats();
    const sorted = [...times].sort((a, b) => a - b);
    const round = (x: number): number => Math.round(x * 10) / 10;
    return [
      { name: `clevertap: 1000-record upload round trip, median of ${RUNS}`, value: round(percentile(sorted, 50)), unit: 'ms' },
      { name: `clevertap: 1000-record upload round trip, p95 of ${RUNS}`, value: round(percentile(sorted, 95)), unit: 'ms' },
      { name: 'clevertap: records per second, one connection, sequential', value: Math.round((MAX_RECORDS_PER_REQUEST * 1000) / percentile(sorted, 50)), unit: 'records/s' },
      { name: `clevertap: TCP connections for ${WARMUP + RUNS} sequential uploads`, value: stats.connections, unit: 'connections' },
    ];
  } finally {
    await client.close();
    await emulator.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchClevertapRoundtrip();
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${String(r.value).padStart(10)} ${r.unit}\n`);
}
