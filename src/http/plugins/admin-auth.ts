import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';
import { constantTimeEqual, sha256Hex } from '../../secrets.js';
import { META_KEYS } from '../../store/repos/meta-repo.js';

export const SESSION_COOKIE = 'pcb_session';
export const SESSION_TTL_MS = 12 * 3600_000;
/** A token reset by `pcbridge admin-token reset` reaches running servers within this time. */
const HASH_CACHE_MS = 2000;

export interface AdminAuth {
  /** True when `token` is the admin token (constant-time comparison of hashes). */
  verifyToken(token: string): Promise<boolean>;
  /** A session cookie value bound to the current admin token and an expiry. */
  issueSession(): Promise<{ value: string; expiresAt: number }>;
  verifySession(value: string): Promise<boolean>;
  /** Fastify preHandler: bearer token or session cookie, else 401. */
  requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

export function createAdminAuth(ctx: AppContext): AdminAuth {
  let cached: { hash: string | null; at: number } | null = null;

  async function adminTokenHash(): Promise<string | null> {
    if (ctx.config.adminToken) return sha256Hex(ctx.config.adminToken);
    const now = ctx.clock.now();
    if (cached && now - cached.at < HASH_CACHE_MS) return cached.hash;
    const hash = await ctx.store.meta.get(META_KEYS.adminTokenHash);
    cached = { hash, at: now };
    return hash;
  }

  function sessionMac(expiresAt: number, tokenHash: string): string {
    return ctx.secrets.digest(`session:${expiresAt}:${tokenHash}`);
  }

  const auth: AdminAuth = {
    async verifyToken(token) {
      const hash = await adminTokenHash();
      return hash !== null && constantTimeEqual(sha256Hex(token), hash);
    },
    async issueSession() {
      const hash = await adminTokenHash();
      if (hash === null) throw new AppError('unauthorized', 'No admin token is configured.');
      const expiresAt = ctx.clock.now() + SESSION_TTL_MS;
      return { value: `${expiresAt}.${sessionMac(expiresAt, hash)}`, expiresAt };
    },
    async verifySession(value) {
      const [expText, mac] = value.split('.');
      const expiresAt = Number(expText);
      if (!mac || !Number.isFinite(expiresAt) || expiresAt < ctx.clock.now()) return false;
      const hash = await adminTokenHash();
      return hash !== null && constantTimeEqual(mac, sessionMac(expiresAt, hash));
    },
    async requireAdmin(request) {
      const header = request.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer ')) {
        if (await auth.verifyToken(header.slice(7).trim())) return;
        throw new AppError('unauthorized', 'The bearer token is not the admin token.');
      }
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
