import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AppContext } from '../../src/context.js';
import { createLogger } from '../../src/logger.js';

/**
 * A copy of `ctx` whose SQLite database no thread can open (its folder would be inside a file),
 * logging errors into `lines`: a thread started on it dies at once, every time.
 */
export function unopenableDatabase(ctx: AppContext): { ctx: AppContext; lines: { msg?: string }[]; remove(): void } {
  const lines: { msg?: string }[] = [];
  const logger = createLogger('error', { write: (line: string) => void lines.push(JSON.parse(line) as { msg?: string }) });
  const file = join(mkdtempSync(join(tmpdir(), 'pcbridge-thread-')), 'a-file');
  writeFileSync(file, '');
  return {
    ctx: { ...ctx, logger, config: { ...ctx.config, database: { dialect: 'sqlite', path: join(file, 'db.sqlite') } } },
    lines,
    remove: () => rmSync(dirname(file), { recursive: true, force: true }),
  };
}
