import type { FastifyInstance } from 'fastify';
import { toStorableText } from '../../purchasely/storable-text.js';

/**
 * Path and query strings get the text rule ingest applies to payloads: each NUL and lone
 * surrogate becomes U+FFFD. PostgreSQL cannot hold either (a query with one fails), and a
 * `user_id` stored as `a\uFFFDb` is then reached as `a%00b`, as the SDK or a privacy request
 * would send it.
 */
export function registerStorableParams(app: FastifyInstance): void {
  // Callback style: it runs on every request, the webhook's included (no promise, no microtask).
  app.addHook('preValidation', (request, _reply, done) => {
    makeStorable(request.params);
    makeStorable(request.query);
    done();
  });
}

function makeStorable(values: unknown): void {
  if (typeof values !== 'object' || values === null) return;
  const record = values as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'string') {
      // Written back only when it changes: the usual id stays as it is, with no store.
      const storable = toStorableText(value);
      if (storable !== value) record[key] = storable;
    } else if (Array.isArray(value)) record[key] = value.map((v: unknown) => (typeof v === 'string' ? toStorableText(v) : v));
  }
}
