import type { FastifyRequest } from 'fastify';
import { errorResponses, NoContent, SessionIn } from '../../../contract/index.js';
import { AppError } from '../../../errors.js';
import { SESSION_COOKIE, type AdminAuth } from '../../plugins/admin-auth.js';
import type { TypedFastify } from '../../schemas.js';

export interface SessionRoutesOptions {
  auth: AdminAuth;
  /** PCBRIDGE_PUBLIC_URL: when it is https, the cookie is always Secure. */
  publicUrl: string | null;
}

/**
 * Dashboard login: trades the admin token for an HttpOnly, SameSite=Strict cookie naming a
 * server-side session; logout ends that session.
 */
export async function sessionRoutes(app: TypedFastify, opts: SessionRoutesOptions): Promise<void> {
  const { auth } = opts;
  const publicHttps = opts.publicUrl?.startsWith('https://') ?? false;
  /** HTTPS as the client saw it: the socket, or X-Forwarded-Proto from a trusted proxy (Fastify's trustProxy). */
  const cookieOptions = (request: FastifyRequest) => ({ httpOnly: true, sameSite: 'strict', secure: publicHttps || request.protocol === 'https', path: '/' }) as const;

  app.post(
    '/session',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'Log in to the dashboard with the admin token',
        body: SessionIn,
        response: { 204: NoContent, ...errorResponses(401, 422, 429) },
      },
    },
    async (request, reply) => {
      const { token } = request.body;
      await auth.failures.check(request, reply);
      if (!(await auth.verifyToken(token))) {
        await auth.failures.record(request);
        throw new AppError('unauthorized', 'That is not the admin token.');
      }
      const session = await auth.issueSession();
      reply.setCookie(SESSION_COOKIE, session.value, { ...cookieOptions(request), expires: new Date(session.expiresAt) });
      return reply.status(204).send();
    },
  );
  app.delete(
    '/session',
    { config: { public: true }, schema: { tags: ['session'], summary: 'Log out (ends the session on the server)', response: { 204: NoContent } } },
    async (request, reply) => {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (cookie) await auth.endSession(cookie);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(request));
      return reply.status(204).send();
    },
  );
}
