import type { FastifyInstance } from 'fastify';
import { toStorableText } from '../../purchasely/storable-text.js';

/**
 * Path and query strings get the text rule ingest applies to payloads: each NUL and lone
 * surrogate becomes U+FFFD. PostgreSQL cannot hold either (a query with one fails), and a
 * `user_id` stored as `a\uFFFDb` is then reached as `a%00b`, as the SDK or a privacy request
 * would send it.
 */
export function registerStorableParams(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    makeStorable(request.params);
    makeStorable(request.query);
  });
}

function makeStorable(values: unknown): void {
  if (typeof values !== 'object' || values === null) return;
  const record = values as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (typeof value === 'string') record[key] = toStorableText(value);
    else if (Array.isArray(value)) record[key] = value.map((v: unknown) => (typeof v === 'string' ? toStorableText(v) : v));
  }
}
