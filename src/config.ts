import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError } from './errors.js';

/** Where the data lives: an embedded SQLite file or a shared PostgreSQL database. */
export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string; schema: string | null };

export type Role = 'all' | 'api' | 'worker';
export const ROLES: readonly Role[] = ['all', 'api', 'worker'];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Every setting of the service, validated once at start and frozen. */
export interface Config {
  /** HTTP port (`PORT`, default 8080). */
  readonly port: number;
  /** Bind address (`HOST`, default 0.0.0.0). */
  readonly host: string;
  /** `DATABASE_URL`: `sqlite:<path>` (default `sqlite:./data/pcbridge.db`) or `postgres://…`. */
  readonly database: DatabaseTarget;
  /** `PCBRIDGE_ADMIN_TOKEN`: required on PostgreSQL; on SQLite generated on first start when absent. */
  readonly adminToken: string | null;
  /**
   * `PCBRIDGE_METRICS_TOKEN`: a scrape-only bearer token that opens `GET /metrics` and nothing
   * else (the admin token and session open it too); null when unset.
   */
  readonly metricsToken: string | null;
  /** `PCBRIDGE_SECRET_KEY`: 32 bytes (base64); required on PostgreSQL, generated into secret.key on SQLite. */
  readonly secretKey: Buffer | null;
  /** `PCBRIDGE_CLEVERTAP_BASE_URL`: send every CleverTap call here instead of the region host. */
  readonly clevertapBaseUrl: string | null;
  /** `PCBRIDGE_CLEVERTAP_TIMEOUT`: timeout of one upload request, in ms (default 30 s). */
  readonly clevertapTimeoutMs: number;
  /** `PCBRIDGE_CLEVERTAP_CONCURRENCY`: upload requests in flight per account, all instances (1–15). */
  readonly clevertapConcurrency: number;
  /** `PCBRIDGE_RETRY_SCHEDULE`: delays between delivery attempts, in ms. */
  readonly retryScheduleMs: readonly number[];
  /** `PCBRIDGE_ROLE`: `all`, `api` (HTTP only) or `worker` (processing and delivery only). */
  readonly role: Role;
  /** `LOG_LEVEL`: pino level. */
  readonly logLevel: LogLevel;
  /** `PCBRIDGE_PUBLIC_URL`: the bridge's public URL, or null; `https://` makes the session cookie Secure. */
  readonly publicUrl: string | null;
  /**
   * `PCBRIDGE_TRUST_PROXY` (default off): which reverse proxies' `X-Forwarded-*` headers to trust,
   * as Fastify's `trustProxy` takes it: `true` (any peer) or comma-separated proxy addresses,
   * CIDRs and proxy-addr's names (`loopback`, `linklocal`, `uniquelocal`).
   */
  readonly trustProxy: boolean | string;
}

/** Non-secret settings can also be given as `pcbridge serve` flags (camelCase keys here). */
export interface ConfigFlags {
  port?: string;
  host?: string;
  databaseUrl?: string;
  clevertapBaseUrl?: string;
  clevertapTimeout?: string;
  clevertapConcurrency?: string;
  retrySchedule?: string;
  role?: string;
  logLevel?: string;
  publicUrl?: string;
  trustProxy?: string;
}

export const DEFAULTS = {
  PORT: '8080',
  HOST: '0.0.0.0',
  DATABASE_URL: 'sqlite:./data/pcbridge.db',
  PCBRIDGE_CLEVERTAP_TIMEOUT: '30s',
  PCBRIDGE_CLEVERTAP_CONCURRENCY: '5',
  PCBRIDGE_RETRY_SCHEDULE: '10s,1m,5m,30m,2h,6h,12h,24h,24h,24h',
  PCBRIDGE_ROLE: 'all',
  LOG_LEVEL: 'info',
  PCBRIDGE_TRUST_PROXY: 'off',
} as const;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;
const DURATION_TERMS = /^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d))+$/;
const DURATION_TERM = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g;

/**
 * Reads a duration into milliseconds, or null when the text is not one. The one grammar for every
 * duration pcbridge reads (environment, flags, stored integration settings, query strings):
 *
 * ```
 * duration = [spaces] ( number | term { term } ) [spaces]
 * term     = number [spaces] unit
 * number   = digits [ "." digits ]
 * unit     = "ms" | "s" | "m" | "h" | "d"
 * ```
 *
 * A bare number is seconds (`30` = `30s`); terms add up (`1h30m`); a decimal is allowed (`1.5m` =
 * 90000) and the total is rounded to the millisecond. No sign, no exponent, no other unit, lower
 * case only. Each caller checks the range it accepts.
 */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string') return null;
  const s = text.trim();
  let total = 0;
  if (BARE_SECONDS.test(s)) total = Number(s) * DURATION_UNITS.s!;
  else if (DURATION_TERMS.test(s)) for (const [, amount, unit] of s.matchAll(DURATION_TERM)) total += Number(amount) * DURATION_UNITS[unit!]!;
  else return null;
  return Number.isFinite(total) ? Math.round(total) : null;
}

type Env = Record<string, string | undefined>;

/** Reads `NAME`, or the file named by `NAME_FILE` (trailing newline trimmed); both set is an error. */
function readSecret(env: Env, name: string): string | undefined {
  const direct = env[name];
  const file = env[`${name}_FILE`];
  if (direct !== undefined && direct !== '' && file) {
    throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  if (file) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new ConfigError(`${name}_FILE`, `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return direct === '' ? undefined : direct;
}

function parsePort(name: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(name, `expected a port number from 0 to 65535, got "${text}"`);
  }
  return port;
}

export function parseDatabaseUrl(name: string, text: string): DatabaseTarget {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new ConfigError(name, 'expected sqlite:<path>, e.g. sqlite:./data/pcbridge.db');
    return { dialect: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError(name, 'is not a valid postgres:// URL');
    }
    // pg decodes these itself and would fail later with a message that names nothing.
    for (const [part, value] of [
      ['user name', url.username],
      ['password', url.password],
      ['database name', url.pathname],
    ] as const) {
      try {
        decodeURIComponent(value);
      } catch {
        throw new ConfigError(name, `the ${part} has a malformed %-escape (write a literal % as %25)`);
      }
    }
    const schema = url.searchParams.get('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(name, `schema "${schema}" must be a lower-case SQL identifier`);
    }
    url.searchParams.delete('schema');
    return { dialect: 'postgres', url: url.toString(), schema };
  }
  throw new ConfigError(name, 'expected sqlite:<path> or postgres://user@host:port/database');
}

function parseSecretKey(name: string, text: string): Buffer {
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text.trim()) ? Buffer.from(text.trim(), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new ConfigError(name, 'expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  return key;
}

function parseBaseUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text.replace('{region}', 'eu1'));
  } catch {
    throw new ConfigError(name, `"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'expected an http:// or https:// URL');
  }
  return text.replace(/\/+$/, '');
}

function parseHost(name: string, text: string): string {
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;
  if (isIP(text) === 0 && !hostname.test(text)) {
    throw new ConfigError(name, `expected an IP address or host name such as 0.0.0.0, got "${text}"`);
  }
  return text;
}

function parseIntInRange(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function parseTimeout(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null || ms < 100 || ms > 600_000) {
    throw new ConfigError(name, `expected a duration from 100ms to 10m such as 30s, got "${text}"`);
  }
  return ms;
}

function parseSchedule(name: string, text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const delays = parts.map((p) => parseDuration(p));
  if (parts.length === 0 || parts.length > 50 || delays.some((d) => d === null || d < 0)) {
    throw new ConfigError(name, `expected comma-separated durations such as 10s,1m,5m, got "${text}"`);
  }
  return delays as number[];
}

function parsePublicUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(name, `"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, 'expected an http:// or https:// URL, e.g. https://bridge.example.com');
  }
  return text.replace(/\/+$/, '');
}

const PROXY_ADDRESS_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * off (default) | on (any peer may be a proxy) | comma-separated proxy addresses, CIDRs and
 * `loopback`/`linklocal`/`uniquelocal`. No hop counts: Fastify ignores them (a direct client could
 * forge enough hops).
 */
function parseTrustProxy(name: string, text: string): boolean | string {
  const value = text.trim().toLowerCase();
  if (['off', 'false', 'no'].includes(value)) return false;
  if (['on', 'true', 'yes'].includes(value)) return true;
  const parts = value.split(',').map((p) => p.trim());
  const valid = parts.every((p) => {
    if (PROXY_ADDRESS_NAMES.includes(p)) return true;
    const [address, bits, extra] = p.split('/');
    return extra === undefined && isIP(address ?? '') !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
  });
  if (!valid) {
    throw new ConfigError(name, `expected off, on, or proxy addresses such as loopback or 10.0.0.1,10.1.0.0/16, got "${text}"`);
  }
  return parts.join(',');
}

function parseOneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${text}"`);
  }
  return text as T;
}

/**
 * What the configuration is for: `serve` (and the demo) answer the REST API, so on PostgreSQL
 * they need the shared admin token; a `tool` (migrate, apps, import, replay) only opens the
 * database and needs no token.
 */
export type ConfigPurpose = 'serve' | 'tool';

/**
 * Builds the frozen configuration from the environment and `serve` flags (flags win).
 * Throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: Env = process.env, flags: ConfigFlags = {}, purpose: ConfigPurpose = 'serve'): Config {
  const pick = (name: keyof typeof DEFAULTS, flag: string | undefined): string => flag ?? (env[name] === undefined || env[name] === '' ? DEFAULTS[name] : env[name]!);

  const databaseUrl = flags.databaseUrl ?? readSecret(env, 'DATABASE_URL') ?? DEFAULTS.DATABASE_URL;
  const database = parseDatabaseUrl('DATABASE_URL', databaseUrl);
  const adminToken = readSecret(env, 'PCBRIDGE_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('PCBRIDGE_ADMIN_TOKEN', 'must be at least 16 characters long');
  }
  const metricsToken = readSecret(env, 'PCBRIDGE_METRICS_TOKEN') || null;
  if (metricsToken !== null && metricsToken.length < 16) {
    throw new ConfigError('PCBRIDGE_METRICS_TOKEN', 'must be at least 16 characters long');
  }
  const secretKeyText = readSecret(env, 'PCBRIDGE_SECRET_KEY');
  const secretKey = secretKeyText === undefined ? null : parseSecretKey('PCBRIDGE_SECRET_KEY', secretKeyText);
  if (database.dialect === 'postgres') {
    if (adminToken === null && purpose === 'serve') {
      throw new ConfigError('PCBRIDGE_ADMIN_TOKEN', 'is required with PostgreSQL (every instance must share it)');
    }
    if (secretKey === null) {
      throw new ConfigError('PCBRIDGE_SECRET_KEY', 'is required with PostgreSQL (every instance must share it)');
    }
  }
  const baseUrlText = flags.clevertapBaseUrl ?? env.PCBRIDGE_CLEVERTAP_BASE_URL;
  const publicUrlText = flags.publicUrl ?? env.PCBRIDGE_PUBLIC_URL;

  return Object.freeze({
    port: parsePort('PORT', pick('PORT', flags.port)),
    host: parseHost('HOST', pick('HOST', flags.host)),
    database,
    adminToken,
    metricsToken,
    secretKey,
    clevertapBaseUrl: baseUrlText ? parseBaseUrl('PCBRIDGE_CLEVERTAP_BASE_URL', baseUrlText) : null,
    clevertapTimeoutMs: parseTimeout('PCBRIDGE_CLEVERTAP_TIMEOUT', pick('PCBRIDGE_CLEVERTAP_TIMEOUT', flags.clevertapTimeout)),
    clevertapConcurrency: parseIntInRange('PCBRIDGE_CLEVERTAP_CONCURRENCY', pick('PCBRIDGE_CLEVERTAP_CONCURRENCY', flags.clevertapConcurrency), 1, 15),
    retryScheduleMs: Object.freeze(parseSchedule('PCBRIDGE_RETRY_SCHEDULE', pick('PCBRIDGE_RETRY_SCHEDULE', flags.retrySchedule))),
    role: parseOneOf('PCBRIDGE_ROLE', pick('PCBRIDGE_ROLE', flags.role), ROLES),
    logLevel: parseOneOf('LOG_LEVEL', pick('LOG_LEVEL', flags.logLevel), LOG_LEVELS),
    publicUrl: publicUrlText ? parsePublicUrl('PCBRIDGE_PUBLIC_URL', publicUrlText) : null,
    trustProxy: parseTrustProxy('PCBRIDGE_TRUST_PROXY', pick('PCBRIDGE_TRUST_PROXY', flags.trustProxy)),
  });
}
