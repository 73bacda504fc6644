import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AUTH, type TestContext } from './context.js';

/** Creates an app over the API and returns its id. */
export async function createTestApp(app: FastifyInstance, name = 'Bridge test'): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/apps', headers: AUTH, payload: { name, webhookSecret: 'purchasely-secret-abc123' } });
  if (res.statusCode !== 201) throw new Error(`app creation failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
}

/** Every stored byte, as text: the SQLite files, or every table of the PostgreSQL schema. */
export async function everythingStored(t: TestContext): Promise<string> {
  if (t.db.dialect === 'sqlite') {
    return readdirSync(t.db.dir)
      .filter((f) => f.startsWith('pcbridge.db'))
      .map((f) => readFileSync(join(t.db.dir, f)).toString('latin1'))
      .join('\n');
  }
  return everyRow(t);
}

/** Every row of every table, as JSON text (what a query can still read). */
export async function everyRow(t: TestContext): Promise<string> {
  const tables =
    t.db.dialect === 'sqlite'
      ? await t.ctx.store.db.all<{ table_name: string }>("SELECT name AS table_name FROM sqlite_master WHERE type = 'table'")
      : await t.ctx.store.db.all<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()');
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const rows = await t.ctx.store.db.all<Record<string, unknown>>(`SELECT * FROM ${table_name}`);
    dumps.push(JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v)));
  }
  return dumps.join('\n');
}

/** An `events` row as the tests insert it (columns of migration 001). */
export interface EventRow {
  appId: string;
  eventId: string;
  eventName?: string;
  userKey?: string | null;
  userId?: string | null;
  anonymousUserId?: string | null;
  environment?: string;
  receivedAt: number;
  status: string;
  reason?: string | null;
  late?: boolean;
  rawBody?: string | null;
}

/** Inserts an event row directly and returns its `seq`. */
export async function insertEvent(t: TestContext, e: EventRow): Promise<number> {
  await t.ctx.store.db.run(
    `INSERT INTO events (app_id, event_id, event_name, user_key, user_id, anonymous_user_id, environment, received_at,
       event_created_at, status, reason, late, raw_body)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.appId,
      e.eventId,
      e.eventName ?? 'SUBSCRIPTION_RENEWED',
      e.userKey ?? null,
      e.userId ?? null,
      e.anonymousUserId ?? null,
      e.environment ?? 'PRODUCTION',
      e.receivedAt,
      e.receivedAt - 1000,
      e.status,
      e.reason ?? null,
      e.late ? 1 : 0,
      e.rawBody === undefined || e.rawBody === null ? null : Buffer.from(e.rawBody, 'utf8'),
    ],
  );
  const row = await t.ctx.store.db.get<{ seq: number }>('SELECT seq FROM events WHERE app_id = ? AND event_id = ?', [e.appId, e.eventId]);
  return Number(row!.seq);
}

/** A `records` row (migration 002) as the tests insert it. */
export interface RecordRow {
  appId: string;
  eventSeq: number;
  eventId: string;
  userKey: string;
  userId?: string | null;
  anonymousUserId?: string | null;
  state: string;
  body?: unknown;
  identifier?: unknown;
  createdAt: number;
  deliveredAt?: number | null;
}

/** Inserts a record row directly and returns its id. */
export async function insertRecord(t: TestContext, r: RecordRow): Promise<number> {
  await t.ctx.store.db.run(
    `INSERT INTO records (app_id, event_seq, event_id, user_key, user_id, anonymous_user_id, environment, target, kind,
       body_json, state, identifier_json, created_at, updated_at, delivered_at)
     VALUES (?, ?, ?, ?, ?, ?, 'PRODUCTION', 'main', 'event', ?, ?, ?, ?, ?, ?)`,
    [
      r.appId,
      r.eventSeq,
      r.eventId,
      r.userKey,
      r.userId ?? null,
      r.anonymousUserId ?? null,
      JSON.stringify(r.body ?? { type: 'event', evtName: 'Renewed', evtData: {} }),
      r.state,
      r.identifier === undefined ? null : JSON.stringify(r.identifier),
      r.createdAt,
      r.deliveredAt ?? r.createdAt,
      r.deliveredAt ?? null,
    ],
  );
  const row = await t.ctx.store.db.get<{ id: number }>('SELECT MAX(id) AS id FROM records WHERE app_id = ?', [r.appId]);
  return Number(row!.id);
}
