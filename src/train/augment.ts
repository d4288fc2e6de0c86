// Augmentation in the loader: each training image, each epoch, is either seen as it is (moved by a few pixels) or
// distorted the ways other people's pictures differ from MNIST's (distort.ts), then normalised exactly as the service
// normalises an upload (crop to the ink, fit into 20×20, centre of mass in 28×28). Every image draws from its own
// random stream, seeded by (seed, epoch, index): the result does not depend on batch order, threads or shards.
import { toMnist } from '../imaging/mnist-normalise.js';
import { blur, CANVAS, lowResolution, onPaper, pen, warp } from './distort.js';
import { PIXELS, SIDE, pixelToFloat } from '../model/input-contract.js';
import { createRng } from '../model/random.js';

/** How the default recipe distorts its training images. Each field is a range drawn uniformly per image. */
export interface Augmentation {
  /** Share of the images distorted; the others are seen as they are, moved by up to the recipe's `shift`. */
  share: number;
  /** Every distorted image: rotation up to ± degrees, scale ± fraction, aspect ratio ± fraction, slant ± shear. */
  rotate: number;
  scale: number;
  aspect: number;
  shear: number;
  /** Each of these with its own chance `p`: */
  elastic: { p: number; px: number };
  /** A thicker or thinner pen, by up to `px` pixels on each side of the stroke. */
  pen: { p: number; px: number };
  blur: { p: number; sigma: number };
  /** Scanned with the digit's longer side between `side` and 20 pixels, and upscaled back. */
  lowRes: { p: number; side: number };
  /** Dark ink on lighter paper, contrast down to `contrast`, Gaussian grain up to `noise` levels. */
  paper: { p: number; contrast: number; noise: number };
}

/** A random stream for one image of one epoch: a hash of the three numbers seeds mulberry32. */
export function sampleRng(seed: number, epoch: number, index: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(epoch + 1, 0xc2b2ae35) ^ Math.imul(index + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return createRng((h ^ (h >>> 16)) >>> 0);
}

/** A canvas picture (bytes, ink bright or dark) normalised as the service does; undefined when no digit is left. */
export function normalise(img: Uint8Array, width: number, height = width): Uint8Array | undefined {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < width * height; i++) {
    if (img[i] < lo) lo = img[i];
    if (img[i] > hi) hi = img[i];
  }
  try {
    return toMnist({ data: img, width, height, alphaIsInk: false, lo, hi });
  } catch {
    return undefined; // the distortion wiped the digit out (a blank picture is the service's 422)
  }
}

const between = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();
const spread = (rng: () => number, x: number) => between(rng, -x, x);
const CANVAS_BUFFER = new Uint8Array(CANVAS * CANVAS);

/** The 28×28 digit `src` distorted with strengths drawn from `aug`, normalised; undefined when nothing is left of it. */
export function distortRandomly(src: Uint8Array, aug: Augmentation, rng: () => number): Uint8Array | undefined {
  const scale = 1 + spread(rng, aug.scale);
  const aspect = 1 + spread(rng, aug.aspect);
  let img = warp(
    src,
    {
      rotate: spread(rng, aug.rotate),
      scaleX: scale * aspect,
      scaleY: scale / aspect,
      shear: spread(rng, aug.shear),
      elastic: rng() < aug.elastic.p ? rng() * aug.elastic.px : 0,
      rng,
    },
    CANVAS_BUFFER,
  );
  if (rng() < aug.pen.p) pen(img, CANVAS, spread(rng, aug.pen.px));
  if (rng() < aug.blur.p) blur(img, CANVAS, rng() * aug.blur.sigma);
  if (rng() < aug.lowRes.p) img = lowResolution(img, CANVAS, between(rng, aug.lowRes.side, 20));
  if (rng() < aug.paper.p) onPaper(img, between(rng, 150, 255), between(rng, aug.paper.contrast, 1), rng() * aug.paper.noise, rng);
  return normalise(img, CANVAS);
}

/** Writes image `src` (SIDE×SIDE bytes) into `out` at `offset` as the model's floats, moved by (dx, dy), zero-filled. */
export function shiftedInto(out: Float32Array, offset: number, src: Uint8Array, dx: number, dy: number): void {
  out.fill(0, offset, offset + PIXELS);
  for (let y = Math.max(0, dy); y < Math.min(SIDE, SIDE + dy); y++) {
    const from = (y - dy) * SIDE;
    const to = offset + y * SIDE;
    for (let x = Math.max(0, dx); x < Math.min(SIDE, SIDE + dx); x++) out[to + x] = pixelToFloat(src[from + x - dx]);
  }
}

/** One training image as the model sees it this epoch: distorted (a share `aug.share` of them) or shifted. */
export function augmentedInto(
  out: Float32Array,
  offset: number,
  src: Uint8Array,
  aug: Augmentation,
  shift: number,
  rng: () => number,
): void {
  const distorted = rng() < aug.share ? distortRandomly(src, aug, rng) : undefined;
  if (distorted) {
    for (let i = 0; i < PIXELS; i++) out[offset + i] = pixelToFloat(distorted[i]);
    return;
  }
  const offsetOf = () => Math.floor(rng() * (2 * shift + 1)) - shift;
  shiftedInto(out, offset, src, offsetOf(), offsetOf());
}
