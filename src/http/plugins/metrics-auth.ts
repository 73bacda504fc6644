import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { constantTimeEqual, sha256Hex } from '../../secrets.js';
import type { AdminAuth } from './admin-auth.js';

/**
 * Fastify hook of `GET /metrics`: `PCBRIDGE_METRICS_TOKEN` as a bearer token, else whatever
 * opens the admin routes (admin token, session cookie). The metrics token is checked here only,
 * so anywhere else it is just a wrong bearer token: 401, counted as a failed authentication.
 * A wrong bearer token here counts too (in `requireAdmin`), and a throttled address gets 429
 * before any token is looked at.
 */
export function createMetricsAuth(ctx: AppContext, auth: AdminAuth): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const metricsHash = ctx.config.metricsToken === null ? null : sha256Hex(ctx.config.metricsToken);
  return async (request, reply) => {
    const header = request.headers.authorization;
    if (metricsHash !== null && typeof header === 'string' && header.startsWith('Bearer ')) {
      await auth.failures.check(request, reply);
      if (constantTimeEqual(sha256Hex(header.slice(7).trim()), metricsHash)) return;
    }
    await auth.requireAdmin(request, reply);
  };
}
