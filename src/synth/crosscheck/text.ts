// Which number a picture shows: lengths as people write them on forms, zip codes (5 and 9) the most common.
import type { Rng } from './rng.js';

export const MIN_DIGITS = 3;
export const MAX_DIGITS = 10;

/** Lengths and their shares: a third five-digit zips, a fifth zip+4, the rest short codes, phones and ids. */
const LENGTHS: readonly (readonly [number, number])[] = [
  [3, 8],
  [4, 10],
  [5, 30],
  [6, 8],
  [7, 9],
  [8, 7],
  [9, 20],
  [10, 8],
];

/** A number of MIN_DIGITS..MAX_DIGITS digits, leading zeros allowed. */
export function drawText(rng: Rng): string {
  const length = rng.weighted(LENGTHS);
  let text = '';
  for (let i = 0; i < length; i++) text += String(rng.int(0, 9));
  return text;
}
