// Pictures that are not one digit, made on the fly from training digits: what the number reader (src/reader/)
// meets between wrong cuts. A piece of one digit, a piece of a digit and of its neighbour across the join, or two
// neighbours whole. The reader keeps the cuts whose pieces the classifier is surest of, so the model is trained to be
// unsure of these (a uniform target: a tenth for each digit, trainer.ts), as LeCun et al. (1998) trained
// against segmentation garbage. Each is normalised as the reader normalises a piece: full-height slice, crop to the ink,
// fit into 20×20, centre of mass in 28×28.
import { SIDE } from '../model/input-contract.js';
import { normalise } from './augment.js';
import { inkBox } from './distort.js';

/** Two digits side by side, at most this many pixels apart or overlapping (the reader's touching pictures overlap 0–4). */
const STRIP = 3 * SIDE;
const STRIP_BUFFER = new Uint8Array(STRIP * SIDE);
/** A piece holding more than this share of a digit's ink is still that digit: it is not taught as garbage. */
const MOST_OF_A_DIGIT = 0.65;
/** A digit's share of a piece across a join is at least this, or the piece is the other digit with a speck. */
const LEAST_OF_A_DIGIT = 0.2;
/** A piece whose rows' ink is on average narrower than this share of its height is a stroke that reads as a 1. */
const STROKE_WIDTH = 0.3;
/** Fewer ink pixels than this make a speck, which the reader drops before classifying. */
const LEAST_INK = 20;
const INK = 32;

const between = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();

/**
 * A non-digit made from training digits `a` and `b` (SIDE×SIDE bytes, ink bright), normalised; undefined when the
 * piece drawn would be a digit after all (most of one digit, a 1-like stroke, a speck): the caller then uses `a`.
 */
export function notDigit(a: Uint8Array, b: Uint8Array, rng: () => number): Uint8Array | undefined {
  const boxA = inkBox(a, SIDE, INK);
  const boxB = inkBox(b, SIDE, INK);
  if (!boxA || !boxB) return undefined;
  const widthA = boxA.width;
  const widthB = boxB.width;
  // a's ink starts at column 0 of the strip, b's after a gap of −3…+2 pixels (negative: the two overlap).
  const startB = widthA + Math.floor(between(rng, -3, 3));
  const strip = STRIP_BUFFER.fill(0);
  paste(strip, a, boxA.x, widthA, 0);
  paste(strip, b, boxB.x, widthB, startB);
  const kind = rng();
  let left: number;
  let right: number; // the slice's columns, right exclusive
  if (kind < 0.4) {
    // A piece of a: a quarter to 60 % of its width, anywhere across it.
    const width = Math.max(2, Math.round(widthA * between(rng, 0.25, 0.6)));
    left = Math.floor(rng() * (widthA - width + 1));
    right = left + width;
  } else if (kind < 0.85) {
    // Across the join: the right part of a with the left part of b.
    left = Math.round(widthA * between(rng, 0.33, 0.67));
    right = Math.min(STRIP, startB + Math.round(widthB * between(rng, 0.33, 0.9)));
  } else {
    // Both whole.
    return slice(strip, 0, Math.min(STRIP, startB + widthB));
  }
  const shareA = inkShare(a, boxA.x, widthA, left, right);
  const shareB = inkShare(b, boxB.x, widthB, left - startB, right - startB);
  if (shareA > MOST_OF_A_DIGIT || shareB > MOST_OF_A_DIGIT) return undefined;
  if (shareB > 0 && Math.min(shareA, shareB) < LEAST_OF_A_DIGIT) return undefined;
  return slice(strip, left, right);
}

/** Share of a digit's ink (its columns `from`…`from + width`) that falls in its own columns [left, right). */
function inkShare(src: Uint8Array, from: number, width: number, left: number, right: number): number {
  let [inside, all] = [0, 0];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < width; x++) {
      if (src[y * SIDE + from + x] <= INK) continue;
      all++;
      if (x >= left && x < right) inside++;
    }
  }
  return inside / all;
}

/** Copies `width` ink columns of `src` from column `from` into the strip at column `at`, keeping the brighter pixel. */
function paste(strip: Uint8Array, src: Uint8Array, from: number, width: number, at: number): void {
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < width && at + x < STRIP; x++) {
      const i = y * STRIP + at + x;
      const v = src[y * SIDE + from + x];
      if (v > strip[i]) strip[i] = v;
    }
  }
}

/** Columns [left, right) of the strip, normalised; undefined when they hold a speck or a 1-like stroke. */
function slice(strip: Uint8Array, left: number, right: number): Uint8Array | undefined {
  const width = right - left;
  if (width < 2) return undefined;
  const piece = new Uint8Array(width * SIDE);
  let [top, bottom, rows, spans, ink] = [SIDE, -1, 0, 0, 0];
  for (let y = 0; y < SIDE; y++) {
    let [l, r] = [width, -1];
    for (let x = 0; x < width; x++) {
      const v = strip[y * STRIP + left + x];
      piece[y * width + x] = v;
      if (v <= INK) continue;
      ink++;
      if (l === width) l = x;
      r = x;
    }
    if (r < 0) continue;
    if (top === SIDE) top = y;
    bottom = y;
    rows++;
    spans += r - l + 1;
  }
  if (ink < LEAST_INK || spans / rows < STROKE_WIDTH * (bottom - top + 1)) return undefined;
  return normalise(piece, width, SIDE);
}
