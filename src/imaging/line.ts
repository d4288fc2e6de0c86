// One line of ink → the line model's input (src/model/line.ts): the one normalisation that training and serving
// share (CONTRACTS.md). The ink box's height becomes 20 px (width by the same factor, area filter when shrinking),
// centred in 28 rows, with 8 px of black left and right: the line's digits stand as tall as an MNIST digit in its
// 28×28 frame, so each 28-column window the model sweeps reads like one LeNet input.
import { resample } from './resample.js';
import type { InkMap } from './mnist-normalise.js';
import { LINE_ROWS } from '../model/line.js';

/** Ink box height after normalisation, as MNIST's 20×20 box. */
export const LINE_INK_HEIGHT = 20;
/** Black columns on each side. */
export const LINE_MARGIN = 8;
/** The narrowest input the model takes (one LeNet window); a narrower line is padded with black on the right. */
export const LINE_MIN_WIDTH = 28;

export interface NormalisedLine {
  /** LINE_ROWS × width floats in [0, 1], row-major: [1, 1, 28, width] as the model takes it. */
  data: Float32Array;
  width: number;
  /** Normalised pixels per ink-map pixel. */
  scale: number;
  /** The ink box in the given map (x, y, width, height), which column LINE_MARGIN and row 4 start from. */
  ink: { x: number; y: number; width: number; height: number };
}

/** The bounding box of the non-zero pixels, or undefined for an empty map. */
function inkBox({ data, width, height }: InkMap) {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? undefined : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * Normalises a line's ink map (0 = background, 255 = full ink, as inkPage/croppedInk give it: cropping first is not
 * needed, the ink box is found here). Returns undefined when the map holds no ink.
 */
export function normaliseLine(ink: InkMap): NormalisedLine | undefined {
  const box = inkBox(ink);
  if (!box) return undefined;
  const scale = LINE_INK_HEIGHT / box.height;
  const scaledWidth = Math.max(1, Math.round(box.width * scale));
  const crop = new Uint8Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const from = (box.y + y) * ink.width + box.x;
    crop.set(ink.data.subarray(from, from + box.width), y * box.width);
  }
  const scaled = resample(crop, box.width, box.height, scaledWidth, LINE_INK_HEIGHT);
  const width = Math.max(LINE_MIN_WIDTH, scaledWidth + 2 * LINE_MARGIN);
  const data = new Float32Array(LINE_ROWS * width);
  const top = (LINE_ROWS - LINE_INK_HEIGHT) / 2;
  for (let y = 0; y < LINE_INK_HEIGHT; y++) {
    const row = (top + y) * width + LINE_MARGIN;
    for (let x = 0; x < scaledWidth; x++) data[row + x] = scaled[y * scaledWidth + x] / 255;
  }
  return { data, width, scale, ink: box };
}
