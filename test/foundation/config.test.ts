import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseDuration } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { runCli } from '../helpers/processes.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.database).toEqual({ dialect: 'sqlite', path: './data/pcbridge.db' });
    expect(config.clevertapTimeoutMs).toBe(30_000);
    expect(config.clevertapConcurrency).toBe(5);
    expect(config.retryScheduleMs).toEqual([10e3, 60e3, 300e3, 1800e3, 7200e3, 21600e3, 43200e3, 86400e3, 86400e3, 86400e3]);
    expect(config.role).toBe('all');
    expect(config.logLevel).toBe('info');
    expect(config.adminToken).toBeNull();
    expect(config.clevertapBaseUrl).toBeNull();
  });

  it('lets serve flags win over the environment', () => {
    const config = loadConfig({ PORT: '9000', PCBRIDGE_ROLE: 'api' }, { port: '9100', role: 'worker' });
    expect(config.port).toBe(9100);
    expect(config.role).toBe('worker');
  });

  it('reads secrets from _FILE variants', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcb-cfg-'));
    writeFileSync(join(dir, 'token'), 'a-token-from-a-file-123\n');
    writeFileSync(join(dir, 'key'), `${KEY}\n`);
    const config = loadConfig({ PCBRIDGE_ADMIN_TOKEN_FILE: join(dir, 'token'), PCBRIDGE_SECRET_KEY_FILE: join(dir, 'key') });
    expect(config.adminToken).toBe('a-token-from-a-file-123');
    expect(config.secretKey?.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('parses a postgres URL with a schema parameter', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/db?schema=tenant_a',
      PCBRIDGE_ADMIN_TOKEN: 'x'.repeat(20),
      PCBRIDGE_SECRET_KEY: KEY,
    });
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://u@h:5432/db', schema: 'tenant_a' });
  });

  it('parses durations with units', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('soon')).toBeNull();
  });
});

/** One bad value per variable: the process prints one line naming it and exits 2. */
const BAD_VALUES: [variable: string, env: Record<string, string>][] = [
  ['PORT', { PORT: '70000' }],
  ['HOST', { HOST: 'not a host!' }],
  ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
  ['PCBRIDGE_ADMIN_TOKEN', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', PCBRIDGE_SECRET_KEY: KEY }],
  ['PCBRIDGE_ADMIN_TOKEN_FILE', { PCBRIDGE_ADMIN_TOKEN_FILE: '/nonexistent/token' }],
  ['PCBRIDGE_SECRET_KEY', { PCBRIDGE_SECRET_KEY: 'too-short' }],
  ['PCBRIDGE_SECRET_KEY_FILE', { PCBRIDGE_SECRET_KEY_FILE: '/nonexistent/key' }],
  ['PCBRIDGE_CLEVERTAP_BASE_URL', { PCBRIDGE_CLEVERTAP_BASE_URL: 'ftp://emulator' }],
  ['PCBRIDGE_CLEVERTAP_TIMEOUT', { PCBRIDGE_CLEVERTAP_TIMEOUT: 'forever' }],
  ['PCBRIDGE_CLEVERTAP_CONCURRENCY', { PCBRIDGE_CLEVERTAP_CONCURRENCY: '16' }],
  ['PCBRIDGE_RETRY_SCHEDULE', { PCBRIDGE_RETRY_SCHEDULE: '10s,,soon' }],
  ['PCBRIDGE_ROLE', { PCBRIDGE_ROLE: 'leader' }],
  ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
];

describe('a bad configuration value', () => {
  it.each(BAD_VALUES)('%s is refused by loadConfig with an error naming it', (variable, env) => {
    let caught: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
  });

  it.each(BAD_VALUES)('%s stops `pcbridge serve` with one line and exit code 2', async (variable, env) => {
    const result = await runCli(['serve'], { DATABASE_URL: undefined, PORT: undefined, ...env });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });
});
