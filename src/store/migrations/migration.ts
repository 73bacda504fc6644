import type { Db, Queryable } from '../db.js';
import { POSTGRES_MIGRATIONS } from './postgres.js';
import { SQLITE_MIGRATIONS } from './sqlite.js';
import type { Migration } from './migration-step.js';

export type { Migration };

export function migrationsFor(dialect: Db['dialect']): readonly Migration[] {
  return dialect === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

async function appliedVersions(q: Queryable): Promise<Set<number>> {
  const rows = await q.all<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => Number(r.version)));
}

/**
 * Applies every migration not applied yet, in order, under a database-wide lock, so several
 * instances starting at once migrate the database exactly once.
 */
export async function applyMigrations(db: Db, now: () => number = Date.now): Promise<number[]> {
  await db.exec(CREATE_TABLE).catch(async (err: unknown) => {
    // Two PostgreSQL instances racing on CREATE TABLE IF NOT EXISTS: the loser gets 23505.
    if ((err as { code?: string }).code !== '23505') throw err;
  });
  return db.withMigrationLock(async (tx) => {
    const done = await appliedVersions(tx);
    const applied: number[] = [];
    for (const m of migrationsFor(db.dialect)) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now()]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** Versions the code knows but the database has not applied yet. */
export async function pendingMigrations(db: Db): Promise<number[]> {
  try {
    const done = await appliedVersions(db);
    return migrationsFor(db.dialect)
      .filter((m) => !done.has(m.version))
      .map((m) => m.version);
  } catch {
    return migrationsFor(db.dialect).map((m) => m.version);
  }
}

/** Our migrations hold no semicolons inside literals or bodies, so a split on `;` is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
