import { Type, type Static } from '@sinclair/typebox';

/** `GET /apps/{appId}/stats`: the Overview's counts, queue depth and delivery latency. */

/** The window when none is asked for. */
export const DEFAULT_STATS_WINDOW = '24h';

export const StatsQuery = Type.Object({
  window: Type.Optional(Type.String({ description: "Look-back window such as '15m', '1h', '24h', '7d' (at most 30d)", default: DEFAULT_STATS_WINDOW })),
});
export type StatsQuery = Static<typeof StatsQuery>;

const Percentiles = Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() });

export const StatsOut = Type.Object({
  window: Type.String(),
  received: Type.Integer({ description: 'Events received in the window' }),
  delivered: Type.Integer({ description: 'Of those, events now delivered' }),
  failed: Type.Integer(),
  held: Type.Integer(),
  skipped: Type.Integer(),
  late: Type.Integer({ description: 'Delivered more than 2 hours after the event was created' }),
  quarantined: Type.Integer(),
  queueDepth: Type.Integer({ description: 'Records pending, in flight or held now' }),
  deliveryLatencyMs: Type.Union([Percentiles, Type.Null()], { description: 'Receipt to delivery, over records delivered in the window' }),
  perMinute: Type.Array(Type.Object({ minute: Type.String({ format: 'date-time' }), received: Type.Integer(), delivered: Type.Integer(), failed: Type.Integer() }), {
    description: 'Events by minute of receipt and their current status; minutes without events are left out',
  }),
  accounts: Type.Array(Type.Object({ accountKey: Type.String(), authState: Type.String() })),
});
export type StatsOut = Static<typeof StatsOut>;
