import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';

/** The database, its WAL and shared-memory files, and a rollback journal left by an old version. */
const COMPANIONS = ['', '-wal', '-shm', '-journal'];

/**
 * Creates the folder of a SQLite database when it is missing — that folder only, as the default
 * `./data/` needs on a fresh clone (mode 0700: what it holds is personal data). A missing level
 * above it is a mistyped path, not something to build: a ConfigError naming DATABASE_URL.
 */
export function ensureSqliteFolder(path: string): void {
  if (path === ':memory:') return;
  const folder = dirname(resolve(path));
  if (existsSync(folder)) return;
  try {
    mkdirSync(folder, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError('DATABASE_URL', `the folder ${dirname(folder)} does not exist (only the database's own folder, ${folder}, is created); create it or fix the path`);
    }
    throw new ConfigError('DATABASE_URL', `cannot create the folder ${folder} (${code ?? 'error'})`);
  }
}

/**
 * Makes the database file (and what SQLite keeps beside it) readable by its owner only: they
 * hold personal data. A new file is created 0600 before SQLite opens it, since SQLite would make
 * it 0644 less the umask; SQLite gives the WAL and shared-memory files the database file's mode.
 * Files an older version left readable by others are tightened. Modes are set explicitly, so the
 * umask of whoever started the bridge does not matter.
 */
export function restrictSqliteFiles(path: string): void {
  if (path === ':memory:') return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
    chmodSync(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const suffix of COMPANIONS) {
    const file = `${path}${suffix}`;
    try {
      const stat = statSync(file);
      if (stat.isFile() && (stat.mode & 0o077) !== 0) chmodSync(file, stat.mode & 0o700);
    } catch (err) {
      // Gone meanwhile, or owned by someone else (then it is theirs to restrict): SQLite says
      // what it thinks of the file when it opens it.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EPERM') throw err;
    }
  }
}

const OPEN_FAILURES: Record<string, string> = {
  SQLITE_CANTOPEN: 'cannot be opened (a folder, or no permission?)',
  SQLITE_NOTADB: 'is not a SQLite database',
  SQLITE_READONLY: 'is read-only for this user',
  SQLITE_PERM: 'is not writable by this user',
  EACCES: 'cannot be created: no permission in its folder',
  EPERM: 'cannot be created: no permission in its folder',
  EROFS: 'cannot be created: the file system is read-only',
  EISDIR: 'is a folder',
};

/**
 * What opening the database file failed on, as a ConfigError naming DATABASE_URL when the path
 * is the problem (exit 2); anything else (a full or failing disk) comes back unchanged.
 */
export function explainSqliteOpenError(path: string, err: unknown): unknown {
  if (err instanceof ConfigError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const what = typeof code === 'string' ? OPEN_FAILURES[code] : undefined;
  if (what === undefined) return err;
  const explained = new ConfigError('DATABASE_URL', `${resolve(path)} ${what} (${code})`);
  explained.cause = err;
  return explained;
}
