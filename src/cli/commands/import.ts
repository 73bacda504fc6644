import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config.js';
import { formatImportSummary, importEvents, readNdjsonLines, type ImportProgress } from '../../import/index.js';
import { openContext } from '../../runtime/runtime.js';
import { UsageError } from '../exit.js';

function parseRate(value: string): number {
  const rate = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(rate > 0)) throw new InvalidArgumentError('--rate is a positive number of events per second, e.g. 200.');
  return rate;
}

/** `pcbridge import <file.ndjson> --app ID [--rate N]`: backfill historical events (SPEC §5). */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('Backfill historical Purchasely events from an NDJSON file (one payload per line); acts on DATABASE_URL directly')
    .argument('<file>', 'NDJSON file, one Purchasely payload (JSON object) per line')
    .requiredOption('--app <id>', 'app the events belong to')
    .option('--rate <eventsPerSecond>', 'insert at most this many events per second (default: unlimited)', parseRate)
    .action(async (file: string, opts: { app: string; rate?: number }) => {
      if (!existsSync(file)) throw new UsageError(`import: no such file ${file}`);
      const { ctx } = await openContext(loadConfig(process.env, {}, 'tool'));
      let lastReport = 0;
      const report = (p: ImportProgress, force = false) => {
        const now = Date.now();
        if (!force && now - lastReport < 1000) return;
        lastReport = now;
        process.stderr.write(`import: ${p.lines} lines read, ${p.imported} imported, ${p.duplicates} duplicates, ${p.skipped} skipped\n`);
      };
      try {
        const summary = await importEvents(ctx, { appId: opts.app, lines: readNdjsonLines(file), rate: opts.rate ?? null, onProgress: report });
        process.stdout.write(`${formatImportSummary(summary)}\n`);
      } catch (err) {
        if ((err as { code?: string }).code === 'unknown_app') throw new UsageError(`import: no app with id ${opts.app} (see pcbridge apps list)`);
        throw err;
      } finally {
        await ctx.store.close();
      }
    });
}
