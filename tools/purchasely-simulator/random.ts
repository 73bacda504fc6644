/** A small seeded PRNG (mulberry32) with the draws the lifecycle generator needs: same seed, same lifecycles. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One of the items, by weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  pick<T>(items: readonly T[]): T;
  /** Lowercase hex of `length` characters. */
  hex(length: number): string;
  /** Digits only. */
  digits(length: number): string;
  alphanumeric(length: number): string;
  /** An RFC 4122 version-4 shaped UUID (like Purchasely's event ids). */
  uuid(): string;
}

/** MurmurHash3's finaliser: a bijection on 32-bit integers that spreads every input bit. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Mixes a seed and a stream number into a new 32-bit seed (so each user has its own stream).
 * The seed is hashed before the stream is added, so (seed, stream) pairs do not collide by
 * construction (seed 9 stream 1 is not seed 10 stream 0).
 */
export function deriveSeed(seed: number, stream: number): number {
  const h = fmix32(seed ^ 0x9e3779b9);
  return fmix32((h + Math.imul(stream + 1, 0x27d4eb2f)) >>> 0);
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const fromAlphabet = (alphabet: string, length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    weighted(items) {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [item, weight] of items) {
        r -= weight;
        if (r < 0) return item;
      }
      return items[items.length - 1]![0];
    },
    pick: (items) => items[Math.floor(next() * items.length)]!,
    hex: (length) => fromAlphabet('0123456789abcdef', length),
    digits: (length) => fromAlphabet('0123456789', length),
    alphanumeric: (length) => fromAlphabet(ALNUM, length),
    uuid() {
      const h = fromAlphabet('0123456789abcdef', 32);
      const variant = '89ab'[Math.floor(next() * 4)];
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}
