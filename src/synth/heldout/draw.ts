// The held-out composer's randomness: every picture from its own seed (set, index), so that the first N pictures of a
// set are the same whether N or 200 are made (the CI subset is the report's first pictures).
import { createRng, normal } from '../../model/random.js';

export interface Draw {
  uniform(lo: number, hi: number): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** Uniform in log space: sizes, where 30 → 60 px is as likely as 60 → 120. */
  logUniform(lo: number, hi: number): number;
  gaussian(sd: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** One 32-bit seed from several numbers (murmur3's finaliser over each in turn). */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export function drawFrom(seed: number): Draw {
  const rng = createRng(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng();
  return {
    uniform,
    int: (lo, hi) => Math.min(hi, Math.floor(uniform(lo, hi + 1))),
    logUniform: (lo, hi) => Math.exp(uniform(Math.log(lo), Math.log(hi))),
    gaussian: (sd) => sd * normal(rng),
    chance: (p) => rng() < p,
    pick: (items) => items[Math.min(items.length - 1, Math.floor(rng() * items.length))],
  };
}
