import { describe, expect, it } from 'vitest';
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
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '24', 'h', '-1h', '1.5h', '24 h', '1w', '24H', 'abc'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
