import { ConfigError } from '../../errors.js';

/**
 * Why connecting to PostgreSQL failed, in one line naming DATABASE_URL and never its password.
 *
 * A setting that cannot work — a host that DNS does not know, a database or user the server
 * does not have, a password it refuses, an SSL mode it does not offer — is a ConfigError (exit 2:
 * starting again will not help). A server that is not reachable right now — refused, timed out,
 * starting up, out of connections — is an operational error (exit 1): a service manager may
 * start the bridge again and it will work once the database is up.
 */
export function explainPostgresConnectError(url: string, err: unknown): Error {
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const reason = typeof e.message === 'string' ? e.message : String(err);
  const { server, host, user, secrets } = describeTarget(url);
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);

  const settings = (message: string) => withCause(new ConfigError('DATABASE_URL', scrub(message)), err);
  const unreachable = (why: string) =>
    withCause(new Error(scrub(`DATABASE_URL: cannot reach PostgreSQL at ${server} (${why}); is it running and accepting connections there?`)), err);

  switch (code) {
    case 'ENOTFOUND':
      return settings(`host "${host}" was not found (DNS); check the host name`);
    case '3D000': // invalid_catalog_name
      return settings(`${reason} on PostgreSQL at ${server}; create it or fix the database name`);
    case '28000': // invalid_authorization_specification (unknown role, no pg_hba.conf entry)
    case '28P01': // invalid_password
      return settings(`PostgreSQL at ${server} refused user "${user}": ${reason}`);
    case 'ECONNREFUSED':
      return unreachable('connection refused');
    case 'ETIMEDOUT':
      return unreachable('no answer');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return unreachable('host unreachable');
    case 'EAI_AGAIN':
      return unreachable(`DNS lookup of "${host}" failed for now`);
    case '57P03': // cannot_connect_now
      return unreachable('the server is starting up or shutting down');
    case '53300': // too_many_connections
      return unreachable('too many connections');
  }
  // TLS: the server offers no SSL, or its certificate is not trusted: sslmode and friends.
  if ((!code && /\bSSL\b/.test(reason)) || /CERT|^ERR_TLS|^ERR_SSL/.test(code)) {
    return settings(`PostgreSQL at ${server}: ${reason}; check sslmode (and sslrootcert) in the URL`);
  }
  if (/timeout/i.test(reason)) return unreachable('no answer in time');
  if (/terminated|ECONNRESET/.test(reason) || code === 'ECONNRESET') return unreachable('the connection was closed');
  return withCause(new Error(scrub(`DATABASE_URL: cannot connect to PostgreSQL at ${server}: ${reason}${code ? ` (${code})` : ''}`)), err);
}

function withCause<E extends Error>(error: E, cause: unknown): E {
  error.cause = cause;
  return error;
}

/**
 * Host, port and user as pg reads them from the URL (defaults: localhost, 5432), and the
 * password in both spellings, to blank out wherever it would appear.
 */
function describeTarget(url: string): { server: string; host: string; user: string; secrets: string[] } {
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get('host') ?? (parsed.hostname || 'localhost');
    const port = parsed.searchParams.get('port') ?? (parsed.port || '5432');
    const secrets = [parsed.password, safeDecode(parsed.password)].filter((s) => s.length > 0);
    return { server: `${host}:${port}`, host, user: safeDecode(parsed.username), secrets };
  } catch {
    return { server: 'the configured server', host: '', user: '', secrets: [] };
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
