/**
 * `npm run bench`: runs every benchmark module in turn and prints one table
 * (name, value, unit, target, pass/fail). Add a module by appending to BENCHES.
 * Exit code 1 when a row with a target fails or a benchmark throws.
 */
import { pathToFileURL } from 'node:url';
import { benchClevertapRoundtrip } from './clevertap-roundtrip.js';
import { benchDelivery } from './delivery.js';
import { benchEndToEnd } from './end-to-end.js';
import { benchFuzz } from './fuzz.js';
import { benchIngest } from './ingest.js';
import { benchResumeDrain } from './resume-drain.js';
import { formatBenchTable, type BenchRow } from './table.js';

export { formatBenchTable, type BenchRow };

export interface BenchEntry {
  name: string;
  run: () => Promise<BenchRow[]>;
}

/** Every benchmark, run in this order. Append yours here. */
export const BENCHES: BenchEntry[] = [
  { name: 'ingest', run: () => benchIngest() },
  { name: 'clevertap-roundtrip', run: () => benchClevertapRoundtrip() },
  { name: 'delivery', run: () => benchDelivery() },
  { name: 'resume-drain', run: () => benchResumeDrain() },
  { name: 'end-to-end', run: () => benchEndToEnd() },
  { name: 'fuzz', run: () => benchFuzz() },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const bench of BENCHES) {
    if (only.length > 0 && !only.includes(bench.name)) continue;
    try {
      rows.push(...(await bench.run()));
    } catch (err) {
      rows.push({ name: `${bench.name}: did not complete (${(err as Error).message.split('\n')[0]})`, value: 'error', unit: '', target: 'runs', pass: false });
    }
  }
  process.stdout.write(`\n${formatBenchTable(rows)}\n`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
