import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { constantTimeEqual, sha256Hex } from '../../secrets.js';
import { META_KEYS } from '../../store/repos/meta-repo.js';
import type { AuthFailureLimiter } from './auth-failure-limit.js';

export const SESSION_COOKIE = 'pcb_session';
export const SESSION_TTL_MS = 12 * 3600_000;
/** A token reset by `pcbridge admin-token reset` reaches running servers within this time. */
const HASH_CACHE_MS = 2000;

export interface AdminAuth {
  /** True when `token` is the admin token (constant-time comparison of hashes). */
  verifyToken(token: string): Promise<boolean>;
  /** Opens a session: a random cookie value, stored only as a hash, bound to the current admin token. */
  issueSession(): Promise<{ value: string; expiresAt: number }>;
  /** True while the session exists, has not expired and the admin token is the one it was opened with. */
  verifySession(value: string): Promise<boolean>;
  /** Ends the session (logout); a copy of the cookie stops working at once. */
  endSession(value: string): Promise<void>;
  /** Failed authentications per source address (see auth-failure-limit.ts). */
  readonly failures: AuthFailureLimiter;
  /** Fastify hook: bearer token or session cookie, else 401; 429 first when the address is throttled. */
  requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function createAdminAuth(ctx: AppContext, failures: AuthFailureLimiter): AdminAuth {
  const { sessions } = ctx.store;
  let cached: { hash: string | null; at: number } | null = null;

  async function adminTokenHash(): Promise<string | null> {
    if (ctx.config.adminToken) return sha256Hex(ctx.config.adminToken);
    const now = ctx.clock.now();
    if (cached && now - cached.at < HASH_CACHE_MS) return cached.hash;
    const hash = await ctx.store.meta.get(META_KEYS.adminTokenHash);
    cached = { hash, at: now };
    return hash;
  }

  /** A keyed digest of the admin token's hash: a new token (reset, or a new environment value) ends older sessions. */
  function adminDigest(tokenHash: string): string {
    return ctx.secrets.digest(`session-admin:${tokenHash}`);
  }

  const auth: AdminAuth = {
    failures,
    async verifyToken(token) {
      const hash = await adminTokenHash();
      return hash !== null && constantTimeEqual(sha256Hex(token), hash);
    },
    async issueSession() {
      const hash = await adminTokenHash();
      if (hash === null) throw new AppError('unauthorized', 'No admin token is configured.');
      const now = ctx.clock.now();
      const value = randomBytes(32).toString('base64url');
      const expiresAt = now + SESSION_TTL_MS;
      await sessions.deleteExpired(now);
      await sessions.create({ idHash: sha256Hex(value), adminDigest: adminDigest(hash), createdAt: now, expiresAt });
      return { value, expiresAt };
    },
    async verifySession(value) {
      if (value.length < 20 || value.length > 200) return false;
      const session = await sessions.get(sha256Hex(value), ctx.clock.now());
      if (!session) return false;
      const hash = await adminTokenHash();
      return hash !== null && constantTimeEqual(session.adminDigest, adminDigest(hash));
    },
    async endSession(value) {
      await sessions.delete(sha256Hex(value));
    },
    async requireAdmin(request, reply) {
      await failures.check(request, reply);
      const header = request.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer ')) {
        if (await auth.verifyToken(header.slice(7).trim())) return;
        await failures.record(request);
        throw new AppError('unauthorized', 'The bearer token is not the admin token.');
      }
      // A stale cookie (after logout or expiry) is no guess at anything (the value is 256 random
      // bits), so it is not counted as a failed authentication.
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (cookie && (await auth.verifySession(cookie))) {
        // A cross-site form cannot send application/json: that keeps cookie-authenticated writes CSRF-safe.
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          const type = request.headers['content-type'] ?? '';
          if (!type.toLowerCase().startsWith('application/json')) {
            throw new AppError('unsupported_media_type', 'Requests authenticated by the session cookie must send application/json.');
          }
        }
        return;
      }
      throw new AppError('unauthorized', 'Send the admin token as "Authorization: Bearer <token>" or log in.');
    },
  };
  return auth;
}
