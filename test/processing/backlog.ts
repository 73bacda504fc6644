import type { AppContext } from '../../src/context.js';
import { fixture } from './helpers.js';

/**
 * Inserts `count` PRODUCTION events as the webhook stores them, each of its own user and
 * subscription (so each yields exactly one event record and one profile record when
 * everything is enabled), in multi-row inserts. Returns their event ids in order.
 */
export async function insertBacklog(ctx: AppContext, appId: string, count: number, prefix = 'bk'): Promise<string[]> {
  const base = fixture('ACTIVATE');
  const ids: string[] = [];
  const now = ctx.clock.now();
  const rows: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    const eventId = `${prefix}-${i}`;
    const userId = `${prefix}-user-${i}`;
    const payload = {
      ...base,
      event_id: eventId,
      user_id: userId,
      environment: 'PRODUCTION',
      purchasely_subscription_id: `${prefix}-sub-${i}`,
    };
    ids.push(eventId);
    rows.push([appId, eventId, 'ACTIVATE', userId, userId, null, 'PRODUCTION', now, base['event_created_at_ms'], Buffer.from(JSON.stringify(payload))]);
  }
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    await ctx.store.db.transaction((q) =>
      q.run(
        `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment,
           received_at, event_created_at, status, reason, duplicates, raw_body)
         VALUES ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', NULL, 0, ?)").join(', ')}`,
        part.flat() as never[],
      ),
    );
  }
  return ids;
}
