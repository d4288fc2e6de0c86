// A seeded random stream of the composer's own, so a picture is fixed by (seed, set, index) and by nothing else.
import { createRng, normal } from '../../model/random.js';

/** One 32-bit mix step (a murmur3 finaliser): spreads every input bit over the word. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit state from any mix of numbers and strings, so (seed, set, index) picks one stream. */
export function hashKey(...parts: (number | string)[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const text = String(part);
    for (let i = 0; i < text.length; i++) h = mix32(h ^ text.charCodeAt(i));
    h = mix32(h ^ 0x2c); // a separator, so ('1', '23') and ('12', '3') differ
  }
  return h;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Normal with the given mean and spread. */
  normal(mean?: number, sd?: number): number;
  /** One of the items, each as likely. */
  pick<T>(items: readonly T[]): T;
  /** One of the items, chosen in proportion to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  /** An independent stream derived from this one and a name, so adding draws elsewhere leaves it unchanged. */
  fork(name: string): Rng;
}

/** A stream from a 32-bit state (the project's mulberry32, src/model/random.ts). */
export function createStream(state: number): Rng {
  const next = createRng(state);
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal: (mean = 0, sd = 1) => mean + sd * normal(next),
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (items) => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [item, w] of items) {
        r -= w;
        if (r < 0) return item;
      }
      return items[items.length - 1][0];
    },
    fork: (name) => createStream(hashKey(Math.floor(next() * 4294967296), name)),
  };
  return rng;
}

/** The stream of picture `index` of `set` under `seed`. */
export const pictureRng = (seed: number, set: string, index: number): Rng => createStream(hashKey('crosscheck', seed, set, index));
