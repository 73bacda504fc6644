import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createLocalChannels, toSqlValue, type Db, type Queryable, type RunResult, type SqlValue, type TransactionOptions } from '../db.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Epoch-ms and sequence columns are BIGINT: read them as numbers (safe below 2^53). */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const placeholderCache = new Map<string, string>();

/** Repositories write `?`; PostgreSQL wants `$1, $2, …`. Our SQL never has `?` inside literals. */
export function toPgPlaceholders(sql: string): string {
  let converted = placeholderCache.get(sql);
  if (converted === undefined) {
    let n = 0;
    converted = sql.replace(/\?/g, () => `$${++n}`);
    if (placeholderCache.size > 2000) placeholderCache.clear();
    placeholderCache.set(sql, converted);
  }
  return converted;
}

const MIGRATION_LOCK_ID = 0x70636272; // "pcbr"

export interface PostgresOptions {
  url: string;
  /** Schema to work in (created if missing); null uses the server's default search_path. */
  schema: string | null;
  maxConnections?: number;
}

export function openPostgresDb(opts: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    types,
    connectionTimeoutMillis: 5000,
    // No JIT: every query here is a short OLTP statement, and a lookup the planner overestimates
    // (no statistics yet) would spend 100+ ms compiling code that runs for 1 ms.
    options: ['-c jit=off', ...(opts.schema ? [`-c search_path=${opts.schema}`] : [])].join(' '),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  let schemaReady: Promise<void> | null = null;

  function ensureSchema(): Promise<void> {
    if (!opts.schema) return Promise.resolve();
    schemaReady ??= pool
      .query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`)
      .then(() => undefined)
      .catch((err: unknown) => {
        schemaReady = null;
        // Two instances creating the schema at once: the loser sees a unique violation.
        if ((err as { code?: string }).code === '23505') return;
        throw err;
      });
    return schemaReady;
  }

  function queryable(client: pg.Pool | pg.PoolClient): Queryable {
    return {
      dialect: 'postgres',
      async all<T>(sql: string, params: readonly SqlValue[] = []) {
        const res = await client.query(toPgPlaceholders(sql), params.map(toSqlValue) as unknown[]);
        return res.rows as T[];
      },
      async get<T>(sql: string, params: readonly SqlValue[] = []) {
        const res = await client.query(toPgPlaceholders(sql), params.map(toSqlValue) as unknown[]);
        return res.rows[0] as T | undefined;
      },
      async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
        const res = await client.query(toPgPlaceholders(sql), params.map(toSqlValue) as unknown[]);
        return { changes: res.rowCount ?? 0 };
      },
    };
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, lock = false, opts: TransactionOptions = {}): Promise<T> {
    await ensureSchema();
    const client = await pool.connect();
    try {
      // One round trip: a claim of a few records is mostly round trips.
      await client.query(opts.durable === false ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
      if (lock) await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      const result = await fn(queryable(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  const direct = queryable(pool);
  const wakeups = createPostgresWakeups(opts);
  return {
    dialect: 'postgres',
    all: async (sql, params) => (await ensureSchema(), direct.all(sql, params)),
    get: async (sql, params) => (await ensureSchema(), direct.get(sql, params)),
    run: async (sql, params) => (await ensureSchema(), direct.run(sql, params)),
    transaction: (fn, opts) => transaction(fn, false, opts),
    async exec(sql) {
      await ensureSchema();
      await pool.query(sql);
    },
    withMigrationLock: (fn) => transaction(fn, true),
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await wakeups.close();
      await pool.end();
    },
    async notify(channel) {
      wakeups.local.fire(channel);
      await ensureSchema();
      await pool.query('SELECT pg_notify($1, $2)', [wakeups.pgChannel(channel), wakeups.origin]);
    },
    listen: (channel, fn) => wakeups.listen(channel, fn),
  };
}

/** Wait before connecting the listening client again after it lost its connection. */
const RELISTEN_AFTER_MS = 1_000;

/**
 * `LISTEN/NOTIFY` wake-ups: one dedicated client (outside the pool: a listening connection
 * cannot be shared) opened on the first `listen`, connected again after a loss. Channels are
 * prefixed with the schema, so instances working in other schemas of the database stay apart.
 * This process's own notifications reach its listeners at once, not through the server.
 */
function createPostgresWakeups(opts: PostgresOptions) {
  const local = createLocalChannels();
  const origin = randomBytes(6).toString('hex');
  const prefix = (opts.schema ?? 'public').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const pgChannel = (channel: string): string => `${prefix}__${channel}`.slice(0, 63);
  let client: pg.Client | null = null;
  let connecting: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let closed = false;

  function connect(): void {
    if (closed || client !== null || connecting !== null) return;
    const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5000 });
    const lost = (): void => {
      if (client === c) client = null;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (!closed && local.channels().length > 0 && retry === null) {
        retry = setTimeout(() => {
          retry = null;
          connect();
        }, RELISTEN_AFTER_MS);
        retry.unref();
      }
    };
    c.on('error', lost);
    c.on('notification', (msg) => {
      if (msg.payload === origin) return; // already delivered in this process
      for (const channel of local.channels()) if (pgChannel(channel) === msg.channel) local.fire(channel);
    });
    connecting = (async () => {
      await c.connect();
      for (const channel of local.channels()) await c.query(`LISTEN "${pgChannel(channel)}"`);
      if (closed) throw new Error('closed');
      client = c;
      c.on('end', lost);
    })()
      .catch(() => lost())
      .finally(() => {
        connecting = null;
      });
  }

  return {
    local,
    origin,
    pgChannel,
    listen(channel: string, fn: () => void): () => void {
      const isNew = !local.channels().includes(channel);
      const remove = local.add(channel, fn);
      if (client !== null && isNew) void client.query(`LISTEN "${pgChannel(channel)}"`).catch(() => undefined);
      else connect();
      return remove;
    },
    async close(): Promise<void> {
      closed = true;
      if (retry) clearTimeout(retry);
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
