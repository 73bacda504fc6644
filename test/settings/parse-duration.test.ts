import { describe, expect, it } from 'vitest';
import { parseDuration as parseConfigDuration } from '../../src/config.js';
import { parseDuration } from '../../src/settings/duration.js';

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['30m', 1_800_000],
    ['7d', 604_800_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['1h30m', 5_400_000],
    ['0s', 0],
    // What the environment and the flags have always accepted: bare seconds, decimals, spaces.
    ['24', 24_000],
    ['1.5h', 5_400_000],
    ['1.5m', 90_000],
    ['24 h', 86_400_000],
    [' 30s ', 30_000],
    ['2d12h', 216_000_000],
    ['1m30.5s', 90_500],
    ['0.0004s', 0],
    ['0.0006s', 1],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', ' ', 'h', '-1h', '+1h', '1w', '24H', 'abc', '1 day', '.5s', '1.s', '1e3', '1e3s', '1h 30m', '30 s x', '1,5'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('is the same function for the configuration and the stored settings', () => {
    expect(parseDuration).toBe(parseConfigDuration);
  });
});
