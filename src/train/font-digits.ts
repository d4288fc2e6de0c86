// Digits typed in the training fonts (docs/contracts.md's split by font; src/train/lines/glyphs.ts renders them), as
// training images: each normalised by src/imaging's toMnist exactly as /predict normalises an upload, so the recipe's
// distortions (thick and thin pens, slant, elastic…) then act on a font digit as on an MNIST one. #35: LeNet trained on
// MNIST alone read 8s with small closed loops as 0s in fonts it never saw.
import { PIXELS } from '../model/input-contract.js';
import { normalise } from './augment.js';
import { fontDigitsAt } from './lines/glyphs.js';

/** Which fonts, at which sizes, and how many of the training images each epoch are replaced by one of their digits. */
export interface FontMix {
  /** Share of each epoch's training images (those not made non-digits) replaced by a font digit. */
  share: number;
  families: string[];
  /** Point sizes each digit is typed at. */
  sizes: number[];
}

/** Every font × size × digit as a 28×28 MNIST-normalised image, with its label. */
export interface FontDigits {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export class FontMissingError extends Error {}

export async function loadFontDigits(mix: FontMix): Promise<FontDigits> {
  const images: Uint8Array[] = [];
  const labels: number[] = [];
  for (const family of mix.families) {
    for (const points of mix.sizes) {
      const typed = await fontDigitsAt(family, points);
      if (!typed) throw new FontMissingError(`font ${family} is not installed (docs/contracts.md lists its Debian package)`);
      for (const g of typed.glyphs) {
        const image = normalise(g.data, g.width, g.height);
        if (!image) throw new FontMissingError(`font ${family}: digit ${g.label} at ${points} pt has no ink`);
        images.push(image);
        labels.push(g.label);
      }
    }
  }
  const all = new Uint8Array(images.length * PIXELS);
  images.forEach((image, i) => all.set(image, i * PIXELS));
  return { images: all, labels: Uint8Array.from(labels), count: labels.length };
}
