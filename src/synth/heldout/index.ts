// The held-out report composer for the line reader (#36; data roles in docs/contracts.md): pictures of numbers made by a
// third code path, apart from test/helpers/numbers.ts (validation) and the line model's training composer — its own
// layout (libvips composite), its own glyph styling (one affine map, pen weight), its own spacing, size and jitter
// distributions and its own paper, photo and canvas renderings — fed MNIST TEST digits and the HELD-OUT fonts only.
// Used to report, never to choose: the rule that ships a reader is fixed in docs/performance.md before it was read.
// Seeds and counts are fixed here; every picture has its own seed, so a CI-sized subset is the report's first pictures.
import type { Split } from '../mnist-split.js';
import { drawFrom, mixSeed, type Draw } from './draw.js';
import { fontLine, HELD_OUT_FONTS } from './fonts.js';
import { styleGlyph } from './glyph.js';
import { layLine, type Line } from './layout.js';
import { canvasPng, paperPng, photoJpeg, type Picture } from './render.js';

export { checkHeldOutFonts, HELD_OUT_FONTS } from './fonts.js';

export const HELD_OUT_SETS = ['spaced', 'touching', 'photo', 'canvas', 'fonts'] as const;
export type HeldOutSet = (typeof HELD_OUT_SETS)[number];
/** The report's seed and size: fixed before any line model was read (#36). */
export const HELD_OUT_SEED = 36_1420;
export const HELD_OUT_COUNT = 200;
/** The CI accuracy floor reads the first this many of each set. */
export const HELD_OUT_CI_COUNT = 24;

export interface HeldOutSample extends Picture {
  set: HeldOutSet;
  /** Which picture of the set (its seed is mixSeed(seed, set, index)). */
  index: number;
  text: string;
  /** The font of a `fonts` picture. */
  font?: string;
}

/** How many digits: zip codes (5, 9) are common, anything from 3 to 10 otherwise. */
const digitCount = (draw: Draw, lo = 3, hi = 10) => (draw.chance(0.3) ? 5 : draw.chance(0.2) ? 9 : draw.int(lo, hi));

interface Hand {
  height: number;
  gap: [number, number];
  weight: [number, number];
}

/** MNIST test digits styled by one writer (slant, pen, size) with each digit's own variation, laid on a line. */
async function handwritten(mnist: Split, count: number, hand: Hand, draw: Draw): Promise<Line> {
  const slant = draw.uniform(-0.3, 0.3);
  const pen = draw.uniform(...hand.weight);
  const glyphs = [];
  const labels = [];
  for (let i = 0; i < count; i++) {
    const at = draw.int(0, mnist.count - 1);
    labels.push(mnist.labels[at]);
    glyphs.push(
      await styleGlyph(mnist.images.subarray(at * 784, (at + 1) * 784), {
        scale: (hand.height / 20) * Math.max(0.75, 1 + draw.gaussian(0.07)),
        shear: slant + draw.gaussian(0.05),
        angle: draw.gaussian(3),
        weight: Math.max(-1, Math.min(1, pen + draw.gaussian(0.15))),
      }),
    );
  }
  const spacing = { height: hand.height, gap: () => draw.uniform(...hand.gap), slope: draw.uniform(-0.06, 0.06), bounce: 0.03 };
  return layLine(glyphs, labels, spacing, draw);
}

/**
 * Picture `index` of a set. spaced: 3–10 digits 24–90 px tall, gaps 0.15–0.9 of the height, paper PNG; touching:
 * 4–8 digits overlapping by up to 12 % of the height or 2 % apart, paper PNG; photo: spaced-like digits 30–110 px,
 * phone JPEG; canvas: 3–8 digits 40–150 px with heavy strokes on a transparent RGBA canvas; fonts: 3–10 digits in one
 * of the held-out fonts at 24–80 pt, 60 % paper PNG, 40 % phone JPEG.
 */
export async function heldOutSample(set: HeldOutSet, index: number, mnistTest: Split, seed = HELD_OUT_SEED): Promise<HeldOutSample> {
  const draw = drawFrom(mixSeed(seed, HELD_OUT_SETS.indexOf(set), index));
  let made: Picture & { text: string; font?: string };
  if (set === 'fonts') {
    const font = HELD_OUT_FONTS[index % HELD_OUT_FONTS.length];
    const text = Array.from({ length: digitCount(draw) }, () => draw.int(0, 9)).join('');
    const points = draw.logUniform(24, 80);
    const line = await fontLine(text, font, points, draw);
    const picture = draw.chance(0.6) ? await paperPng(line, points * 0.7, draw) : await photoJpeg(line, points * 0.7, draw);
    made = { ...picture, text, font };
  } else if (set === 'touching') {
    const height = draw.logUniform(24, 90);
    const line = await handwritten(mnistTest, draw.int(4, 8), { height, gap: [-0.12, 0.02], weight: [-0.5, 0.8] }, draw);
    made = { ...(await paperPng(line, height, draw)), text: line.text };
  } else if (set === 'photo') {
    const height = draw.logUniform(30, 110);
    const line = await handwritten(mnistTest, digitCount(draw), { height, gap: [0.1, 0.7], weight: [-0.5, 0.8] }, draw);
    made = { ...(await photoJpeg(line, height, draw)), text: line.text };
  } else if (set === 'canvas') {
    const height = draw.logUniform(40, 150);
    const line = await handwritten(mnistTest, draw.int(3, 8), { height, gap: [0.05, 0.6], weight: [0.3, 1] }, draw);
    made = { ...(await canvasPng(line, height, draw)), text: line.text };
  } else {
    const height = draw.logUniform(24, 90);
    const line = await handwritten(mnistTest, digitCount(draw), { height, gap: [0.15, 0.9], weight: [-0.5, 0.8] }, draw);
    made = { ...(await paperPng(line, height, draw)), text: line.text };
  }
  return { set, index, ...made };
}

/** The first `count` pictures of a set (the report reads HELD_OUT_COUNT, CI HELD_OUT_CI_COUNT). */
export async function heldOutSet(set: HeldOutSet, count: number, mnistTest: Split, seed = HELD_OUT_SEED): Promise<HeldOutSample[]> {
  if (mnistTest.count !== 10_000)
    throw new Error('the held-out composer takes MNIST test[0:10000] (the report role), not a training split');
  const samples = [];
  for (let i = 0; i < count; i++) samples.push(await heldOutSample(set, i, mnistTest, seed));
  return samples;
}
