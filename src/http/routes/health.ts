import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';

/** `/healthz`: the process is up. `/readyz`: the store answers and every migration is applied. */
export async function healthRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const { ctx } = opts;
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await ctx.store.ping();
      const pending = await ctx.store.pendingMigrations();
      if (pending.length > 0) {
        return reply.status(503).send({ status: 'not_ready', reason: `migrations not applied: ${pending.join(', ')}` });
      }
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'not_ready', reason: 'store unreachable' });
    }
  });
}
