/**
 * PCBRIDGE_PUBLIC_URL and PCBRIDGE_TRUST_PROXY (SPEC §1): validated once at start, with one line
 * naming the variable when wrong; trust-proxy off by default.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const BASE = { DATABASE_URL: 'sqlite::memory:' };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('PCBRIDGE_PUBLIC_URL and PCBRIDGE_TRUST_PROXY', () => {
  it('default to no public URL and no trusted proxy', () => {
    const config = loadConfig(BASE);
    expect(config.publicUrl).toBeNull();
    expect(config.trustProxy).toBe(false);
  });

  it('read the public URL (trailing slash dropped) and refuse what is no http(s) URL', () => {
    expect(loadConfig({ ...BASE, PCBRIDGE_PUBLIC_URL: 'https://bridge.example.com/' }).publicUrl).toBe('https://bridge.example.com');
    expect(configError({ PCBRIDGE_PUBLIC_URL: 'bridge.example.com' }).variable).toBe('PCBRIDGE_PUBLIC_URL');
    expect(configError({ PCBRIDGE_PUBLIC_URL: 'ftp://bridge.example.com' }).variable).toBe('PCBRIDGE_PUBLIC_URL');
  });

  it('read off, on, and lists of proxy addresses, CIDRs and named ranges', () => {
    const trust = (value: string) => loadConfig({ ...BASE, PCBRIDGE_TRUST_PROXY: value }).trustProxy;
    expect(trust('off')).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('on')).toBe(true);
    expect(trust('true')).toBe(true);
    expect(trust('loopback')).toBe('loopback');
    expect(trust('10.0.0.1, 10.1.0.0/16,fd00::/8')).toBe('10.0.0.1,10.1.0.0/16,fd00::/8');
  });

  it('refuse a hop count (Fastify trusts no peer for one) and anything that is no address', () => {
    for (const value of ['1', 'proxy.example.com', '10.0.0.0/8/8', 'maybe']) {
      const err = configError({ PCBRIDGE_TRUST_PROXY: value });
      expect(err.variable, value).toBe('PCBRIDGE_TRUST_PROXY');
    }
  });

  it('can be given as serve flags too', () => {
    const config = loadConfig(BASE, { publicUrl: 'https://flag.example.com', trustProxy: 'loopback' });
    expect(config.publicUrl).toBe('https://flag.example.com');
    expect(config.trustProxy).toBe('loopback');
  });
});
