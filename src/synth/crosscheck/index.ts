// A second validation composer, written apart from the training one: handwritten numbers in five kinds of picture.
import type { Split } from '../mnist-split.js';
import { canvasPicture } from './canvas.js';
import { fontFor, fontPicture } from './fonts.js';
import { photoPicture } from './photo.js';
import { pictureRng } from './rng.js';
import { scanPicture } from './scan.js';
import { drawText } from './text.js';

export const CROSSCHECK_SETS = ['spaced', 'touching', 'photo', 'canvas', 'fonts'] as const;
export type CrosscheckSet = (typeof CROSSCHECK_SETS)[number];

export interface CrosscheckSample {
  set: CrosscheckSet;
  index: number;
  /** The digits drawn, left to right. */
  text: string;
  picture: Buffer;
  /** The packaged font a `fonts` picture is typed in. */
  font?: string;
}

/** Picture `index` of `set`, fixed by (seed, set, index) and the digits given. */
export async function crosscheckSample(set: CrosscheckSet, index: number, seed: number, digits: Split): Promise<CrosscheckSample> {
  const rng = pictureRng(seed, set, index);
  const text = drawText(rng);
  const draw = rng.fork('picture');
  switch (set) {
    case 'spaced':
    case 'touching':
      return { set, index, text, picture: await scanPicture(text, digits, set, draw) };
    case 'photo':
      return { set, index, text, picture: await photoPicture(text, digits, draw) };
    case 'canvas':
      return { set, index, text, picture: await canvasPicture(text, digits, draw) };
    case 'fonts': {
      const font = fontFor(seed, index);
      return { set, index, text, picture: await fontPicture(text, font, draw), font };
    }
  }
}

/** `count` pictures of `set`, picture i seeded by (seed, set, i) alone, so any prefix is stable. */
export async function crosscheckSet(set: CrosscheckSet, count: number, seed: number, digits: Split): Promise<CrosscheckSample[]> {
  if (!CROSSCHECK_SETS.includes(set)) throw new Error(`crosscheck: no set "${set}"; the sets are ${CROSSCHECK_SETS.join(', ')}`);
  if (!Number.isInteger(count) || count < 0) throw new Error(`crosscheck: count must be a whole number, not ${count}`);
  const out: CrosscheckSample[] = [];
  // A few pictures at a time: one is drawn in JavaScript while sharp encodes the others on its own threads.
  const WINDOW = 4;
  for (let i = 0; i < count; i += WINDOW) {
    const batch: Promise<CrosscheckSample>[] = [];
    for (let k = i; k < Math.min(count, i + WINDOW); k++) batch.push(crosscheckSample(set, k, seed, digits));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}
