// Which MNIST picture stands for a digit: any of that label in the split, found through an index built once a split.
import type { Split } from '../mnist-split.js';
import type { Rng } from './rng.js';

const PIXELS = 784;
const byLabel = new WeakMap<Split, number[][]>();

function indexOf(split: Split): number[][] {
  let index = byLabel.get(split);
  if (!index) {
    index = Array.from({ length: 10 }, () => []);
    for (let i = 0; i < split.count; i++) index[split.labels[i]]?.push(i);
    const missing = index.findIndex((list) => list.length === 0);
    if (missing >= 0) throw new Error(`crosscheck: the digits given have no ${missing}`);
    byLabel.set(split, index);
  }
  return index;
}

/** A 28×28 picture of `digit` from the split. */
export function pickDigit(split: Split, digit: number, rng: Rng): Uint8Array {
  const list = indexOf(split)[digit];
  const i = list[rng.int(0, list.length - 1)];
  return split.images.subarray(i * PIXELS, (i + 1) * PIXELS);
}
