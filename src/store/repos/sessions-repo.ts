import type { Queryable } from '../db.js';

/** A dashboard session as stored: never the cookie itself, only its hash. */
export interface DbSession {
  id_hash: string;
  admin_digest: string;
  created_at: number;
  expires_at: number;
}

export interface Session {
  idHash: string;
  /** Ties the session to the admin token it was opened with (a keyed digest of the token's hash). */
  adminDigest: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * Dashboard sessions (`sessions`, migration 10). Logging out deletes one; `admin-token reset`
 * deletes them all; expired ones are swept when a new one is opened.
 */
export interface SessionsRepo {
  create(session: Session): Promise<void>;
  /** The session with this hash, unless it is missing or expired at `now`. */
  get(idHash: string, now: number): Promise<Session | null>;
  /** False when there was no such session. */
  delete(idHash: string): Promise<boolean>;
  /** Ends every session; returns how many there were. */
  deleteAll(): Promise<number>;
  /** Removes sessions that expired before `now`. */
  deleteExpired(now: number): Promise<number>;
}

function toSession(row: DbSession): Session {
  return { idHash: row.id_hash, adminDigest: row.admin_digest, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
}

export function createSessionsRepo(q: Queryable): SessionsRepo {
  return {
    async create(session) {
      await q.run('INSERT INTO sessions (id_hash, admin_digest, created_at, expires_at) VALUES (?, ?, ?, ?)', [
        session.idHash,
        session.adminDigest,
        session.createdAt,
        session.expiresAt,
      ]);
    },
    async get(idHash, now) {
      const row = await q.get<DbSession>('SELECT id_hash, admin_digest, created_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?', [idHash, now]);
      return row ? toSession(row) : null;
    },
    async delete(idHash) {
      return (await q.run('DELETE FROM sessions WHERE id_hash = ?', [idHash])).changes > 0;
    },
    async deleteAll() {
      return (await q.run('DELETE FROM sessions')).changes;
    },
    async deleteExpired(now) {
      return (await q.run('DELETE FROM sessions WHERE expires_at <= ?', [now])).changes;
    },
  };
}
