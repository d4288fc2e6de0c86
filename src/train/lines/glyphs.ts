// Where the training lines' digits come from: MNIST training digits train[0:55000] and the training fonts only
// (docs/contracts.md: train[55000:60000] is validation, the test set and the held-out fonts are the report's).
import sharp from 'sharp';
import type { Split } from '../mnist.js';
import { packagedFontFile, type LinePackagedFont } from '../../synth/packaged-fonts.js';

/** White-on-black ink (0..255), cropped to its ink. */
export interface Glyph {
  data: Uint8Array;
  width: number;
  height: number;
  label: number;
}

/** MNIST training digits the line model may learn from: train[0:55000]. */
export const TRAIN_MNIST_END = 55000;

/** Handwriting fonts the line model may train on (docs/contracts.md, split by font; Debian's fonts-* packages). */
import { TRAINING_FONTS } from '../../synth/font-digits.js';
export { TRAINING_FONTS };

export function cropGlyph(data: Uint8Array, width: number, height: number, label: number): Glyph | undefined {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return undefined;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) out.set(data.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
  return { data: out, width: w, height: h, label };
}

/** Training digit i (i < 55,000), cropped to its ink. */
export function mnistTrainingGlyph(train: Split, i: number): Glyph {
  if (i < 0 || i >= TRAIN_MNIST_END) throw new Error(`MNIST train[${i}] is not a training digit for the line model`);
  const glyph = cropGlyph(train.images.subarray(i * 784, (i + 1) * 784), 28, 28, train.labels[i]);
  if (!glyph) throw new Error(`MNIST train[${i}] is blank`);
  return glyph;
}

/** A font's ten digits rendered by pango through sharp, with the font's tallest digit's height; undefined when the font
 * is missing (pango then draws in its fallback font). src/synth has its own: the validation pictures must come by a
 * code path apart from the training lines' (docs/contracts.md). */
export const fontDigits = (family: string) => fontDigitsAt(family, 64);

/** Sizes each training font is typed at for the training lines: small sizes are hinted to other shapes and stroke
 * widths, so each size is a variant of the font's glyphs. */
export const TRAINING_POINTS = [28, 44, 64, 96];

/** Fonts only the line model trains on, beyond TRAINING_FONTS (#36, the fourth line model; docs/performance.md), each
 * with the Debian package that holds it: in neither of docs/contracts.md's lists, no spare font (src/synth) nor a sibling of
 * one. TRAINING_FONTS stays as it is: the validation generator and the other trainers read it. */
export const LINE_EXTRA_FONTS = {
  'Comic Neue': 'fonts-comic-neue',
  'Dancing Script': 'fonts-dancingscript',
  'Lobster Two': 'fonts-lobster',
  GNUTypewriter: 'fonts-gnutypewriter',
  OpenDyslexic: 'fonts-opendyslexic',
  AoyagiKouzanFontT: 'fonts-aoyagi-kouzan-t',
} as const;
export type LineExtraFont = keyof typeof LINE_EXTRA_FONTS;

/** The training fonts' digits at every TRAINING_POINTS size (missing ones left out), then `extra`'s and `packaged`'s: a
 * recipe that names a font is about that font, so one that is missing stops the run rather than train on pango's
 * fallback. */
export async function trainingFontDigits(
  extra: readonly LineExtraFont[] = [],
  packaged: readonly LinePackagedFont[] = [],
): Promise<Array<{ glyphs: Glyph[]; unit: number }>> {
  const typed = await Promise.all(TRAINING_FONTS.flatMap((f) => TRAINING_POINTS.map((points) => fontDigitsAt(f, points))));
  const named = [
    ...extra.map((f) => ({ family: f, file: undefined, missing: `apt-get install ${LINE_EXTRA_FONTS[f]}` })),
    ...packaged.map((f) => ({ family: f, file: packagedFontFile(f), missing: `its file does not hold the family ${f}` })),
  ];
  const more = await Promise.all(
    named.flatMap(({ family, file, missing }) =>
      TRAINING_POINTS.map(async (points) => {
        const digits = await fontDigitsAt(family, points, file);
        if (!digits) throw new Error(`the line recipe's font "${family}" is not installed (pango would draw its fallback): ${missing}`);
        return digits;
      }),
    ),
  );
  return [...typed.filter((f) => f !== undefined), ...more];
}

/** As fontDigits, typed `points` high (small sizes are hinted to other shapes and stroke widths); `fontfile` loads a
 * font that fontconfig does not know (packaged-fonts.ts). */
export async function fontDigitsAt(
  family: string,
  points: number,
  fontfile?: string,
): Promise<{ glyphs: Glyph[]; unit: number } | undefined> {
  const render = async (name: string, d: number) => {
    const text = { text: `<span font="${name} ${points}">${d}</span>`, dpi: 72, ...(fontfile ? { fontfile } : {}) };
    const { data, info } = await sharp({ text }).greyscale().raw().toBuffer({ resolveWithObject: true });
    return cropGlyph(new Uint8Array(data), info.width, info.height, d);
  };
  const glyphs = await Promise.all(Array.from({ length: 10 }, (_, d) => render(family, d)));
  const fallback = await render('No Such Font For Lenet', 0);
  if (glyphs.some((g) => !g)) return undefined;
  const zero = glyphs[0]!;
  const same =
    fallback && fallback.width === zero.width && fallback.height === zero.height && fallback.data.every((v, i) => v === zero.data[i]);
  if (same) return undefined;
  const ok = glyphs as Glyph[];
  return { glyphs: ok, unit: Math.max(...ok.map((g) => g.height)) };
}
