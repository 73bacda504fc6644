import { ConfigError } from '../errors.js';

/** Exit code for a wrong argument or bad configuration (SPEC §1). */
export const EXIT_USAGE = 2;

/** Prints one clear line for expected failures and exits; anything else is a bug and says so. */
export function failAndExit(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`pcbridge: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  if (err instanceof UsageError) {
    process.stderr.write(`pcbridge: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED' || e?.code === 'SQLITE_CANTOPEN') {
    process.stderr.write(`pcbridge: cannot open the database (${e.code}): check DATABASE_URL\n`);
    process.exit(1);
  }
  process.stderr.write(`pcbridge: ${e?.message ?? String(err)}\n`);
  process.exit(1);
}

/** A wrong argument detected by a command after parsing. */
export class UsageError extends Error {}
