import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../../errors.js';
import { SESSION_COOKIE, type AdminAuth } from '../../plugins/admin-auth.js';
import { errorResponses } from '../../schemas.js';

const SessionIn = Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
type SessionIn = Static<typeof SessionIn>;

/** Dashboard login: trades the admin token for an HttpOnly, SameSite=Strict cookie. */
export async function sessionRoutes(app: FastifyInstance, opts: { auth: AdminAuth; secureCookies: boolean }): Promise<void> {
  const { auth } = opts;
  app.post(
    '/session',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'Log in to the dashboard with the admin token',
        body: SessionIn,
        response: { 204: Type.Null(), ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => {
      const { token } = request.body as SessionIn;
      if (!(await auth.verifyToken(token))) throw new AppError('unauthorized', 'That is not the admin token.');
      const session = await auth.issueSession();
      reply.setCookie(SESSION_COOKIE, session.value, {
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.secureCookies,
        path: '/',
        expires: new Date(session.expiresAt),
      });
      return reply.status(204).send();
    },
  );
  app.delete(
    '/session',
    { config: { public: true }, schema: { tags: ['session'], summary: 'Log out', response: { 204: Type.Null() } } },
    async (_request, reply) => {
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );
}
