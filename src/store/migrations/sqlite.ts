import type { Migration } from './migration-step.js';

/** SQLite schema, forward-only. Times are epoch milliseconds; flags are 0/1. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  webhook_secret_enc TEXT NOT NULL,
  previous_webhook_secret_enc TEXT,
  sdk_key_digest TEXT NOT NULL UNIQUE,
  signature_tolerance_seconds INTEGER NOT NULL DEFAULT 300,
  allow_legacy_signatures INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE integrations (
  app_id TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
  settings_json TEXT NOT NULL,
  passcode_enc TEXT,
  sandbox_passcode_enc TEXT,
  updated_at INTEGER NOT NULL
);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_name TEXT,
  user_key TEXT,
  user_id TEXT,
  anonymous_user_id TEXT,
  environment TEXT,
  received_at INTEGER NOT NULL,
  event_created_at INTEGER,
  status TEXT NOT NULL,
  reason TEXT,
  duplicates INTEGER NOT NULL DEFAULT 0,
  late INTEGER NOT NULL DEFAULT 0,
  raw_body BLOB,
  processed_at INTEGER,
  UNIQUE (app_id, event_id)
);
CREATE INDEX events_by_app ON events (app_id, seq);
CREATE INDEX events_to_process ON events (seq) WHERE status = 'received';
CREATE INDEX events_by_user ON events (app_id, user_key, seq);

CREATE TABLE user_attributes (
  app_id TEXT NOT NULL,
  user_key TEXT NOT NULL,
  clevertap_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, user_key)
);

CREATE TABLE subscription_states (
  app_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  owner_user_key TEXT,
  state_json TEXT NOT NULL,
  PRIMARY KEY (app_id, environment, subscription_id)
);
CREATE INDEX subscription_states_by_owner ON subscription_states (app_id, environment, owner_user_key);

CREATE TABLE user_states (
  app_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  user_key TEXT NOT NULL,
  state_json TEXT NOT NULL,
  properties_json TEXT NOT NULL,
  PRIMARY KEY (app_id, environment, user_key)
);

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  lease_until INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'outbox',
    sql: `
CREATE TABLE records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  event_id TEXT NOT NULL,
  user_key TEXT NOT NULL,
  user_id TEXT,
  anonymous_user_id TEXT,
  environment TEXT,
  target TEXT NOT NULL,
  kind TEXT NOT NULL,
  body_json TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  hold_until INTEGER,
  identifier_json TEXT,
  last_code INTEGER,
  last_message TEXT,
  generation INTEGER NOT NULL DEFAULT 0,
  late INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX records_ready ON records (state, next_attempt_at) WHERE state IN ('pending', 'in_flight');
CREATE INDEX records_by_user ON records (app_id, user_key, id);
CREATE INDEX records_by_event ON records (event_seq);
CREATE INDEX records_held ON records (app_id, state) WHERE state = 'held';

CREATE TABLE attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL,
  account_key TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  http_status INTEGER,
  outcome TEXT NOT NULL,
  response_text TEXT,
  record_count INTEGER NOT NULL
);
CREATE INDEX attempts_by_account ON attempts (account_key, started_at);

CREATE TABLE attempt_records (
  attempt_id INTEGER NOT NULL,
  record_id INTEGER NOT NULL,
  PRIMARY KEY (attempt_id, record_id)
);
CREATE INDEX attempt_records_by_record ON attempt_records (record_id);

CREATE TABLE accounts (
  account_key TEXT PRIMARY KEY,
  auth_state TEXT NOT NULL DEFAULT 'ok',
  auth_failed_at INTEGER,
  credentials_digest TEXT,
  concurrency_limit INTEGER,
  throttled_until INTEGER,
  next_probe_at INTEGER,
  updated_at INTEGER NOT NULL
);

CREATE TABLE account_slots (
  account_key TEXT NOT NULL,
  slot INTEGER NOT NULL,
  holder TEXT,
  lease_until INTEGER,
  PRIMARY KEY (account_key, slot)
);
`,
  },
  {
    version: 6,
    name: 'delivery_indexes',
    // Delivery claims a stream's pending records in id order, checks each user's earlier open
    // records and renews/reclaims leases every second; these partial indexes keep all of it
    // cheap however many records are pending or delivered.
    sql: `
CREATE INDEX records_pending_by_stream ON records (app_id, target, id) WHERE state = 'pending';
CREATE INDEX records_open_by_user ON records (app_id, user_key, id) WHERE state IN ('pending', 'in_flight');
CREATE INDEX account_slots_by_holder ON account_slots (holder);
CREATE INDEX records_in_flight ON records (lease_owner, lease_until) WHERE state = 'in_flight';
`,
  },
  {
    version: 7,
    name: 'stats_indexes',
    // The stats API reads the latency of the newest records delivered in a window; without this
    // it walked every record of the app (~0.4 s with a million records on SQLite).
    sql: `
CREATE INDEX records_delivered ON records (app_id, delivered_at, event_seq) WHERE state = 'delivered';
`,
  },
  {
    version: 8,
    name: 'event_notes',
    // A processed event's remark that is not a failure, e.g. a TRANSACTION_PROCESSED whose
    // amount is no number produced no Charged record: the log says why.
    sql: `
ALTER TABLE events ADD COLUMN note TEXT;
`,
  },
  {
    version: 9,
    name: 'user_profile_stale',
    // 1 while CleverTap may not hold the user's last snapshot (a profile record of theirs ended
    // failed or skipped): the user's next event sends the whole profile. Apart from
    // properties_json so that processing, which rewrites that column, never loses the mark.
    sql: `
ALTER TABLE user_states ADD COLUMN profile_stale INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 10,
    name: 'sessions',
    // Dashboard sessions live here so that logging out and `admin-token reset` end them (a
    // cookie alone proves nothing once its row is gone). Only a SHA-256 of the cookie is kept;
    // admin_digest ties a session to the admin token it was opened with.
    sql: `
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  admin_digest TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
`,
  },
  {
    version: 11,
    name: 'dry_runs',
    // When each dry run with CleverTap (POST /apps/{appId}/preview with validate) was made:
    // at most 10 per app per minute across every instance. Old rows are deleted as new ones
    // come, so the table holds at most about 10 rows per app.
    sql: `
CREATE TABLE dry_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  app_id TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX dry_runs_by_app ON dry_runs (app_id, at);
`,
  },
  {
    version: 12,
    name: 'webhook_rejections',
    // Webhooks refused with 401, 404 or 413, without their bodies: when, from where, why, how
    // big. `bucket` is the app's id, or '' for requests to an app id that does not exist
    // (`app_id` then holds that id as given). Each instance flushes its refusals here about once
    // a second and trims the buckets it wrote to their newest 1,000 rows, so a flood of refusals
    // cannot grow the table without bound.
    sql: `
CREATE TABLE webhook_rejections (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket TEXT NOT NULL,
  app_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  skew_seconds INTEGER,
  size INTEGER NOT NULL
);
CREATE INDEX webhook_rejections_by_bucket ON webhook_rejections (bucket, at, id);
`,
  },
  {
    version: 13,
    name: 'records_held_expiry',
    // The hold-expiry sweep (every 5 s) takes held records whose hold_until passed, oldest
    // first. records_held starts with app_id, so SQLite walked the whole table in id order
    // instead (~70 ms at 200,000 records, in a write transaction). In id order, with the
    // hold_until to check, this one reads the held records only, and needs no sort.
    sql: `
CREATE INDEX records_held_expiry ON records (id, hold_until) WHERE state = 'held';
`,
  },
];
