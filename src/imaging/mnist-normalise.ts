// From decoded pixels to the model's input (input-contract.ts), white digit on black, normalised as MNIST was (LeCun et
// al.): the ink's bounding box fitted into 20×20 with its aspect ratio kept, then placed in SIDE×SIDE so that its centre
// of mass sits at the centre. Pure and synchronous: it runs the same on the main thread, in a worker, after our PNG decoder or after sharp.
import { SIDE } from '../model/input-contract.js';
import type { Box } from './box.js';
import { PreprocessError } from './errors.js';
import { resample, resampleInKernels } from './resample.js';
import { kernelBytes, kernels } from './wasm-kernels.js';

/** MNIST's digits fill a 20×20 box inside their 28×28 frame. */
const BOX = 20;
/** Less contrast than this (out of 255) between ink and background is treated as a blank picture. */
export const MIN_CONTRAST = 40;

/** Decoded pixels, 4 bytes (RGBA) per pixel. */
export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
  /** The decoder knows there is no alpha channel: skip looking for transparency. */
  opaque?: boolean;
}

/**
 * One byte per pixel: luma, or, for a picture with transparency, its alpha (on a transparent canvas the strokes are the
 * ink, whatever colour they were drawn in). lo and hi are its extremes, found on the way by whoever made it.
 */
export interface Grey {
  data: Uint8Array;
  width: number;
  height: number;
  alphaIsInk: boolean;
  lo: number;
  hi: number;
}

/** What the decoders hand over: RGBA (sharp) or already one byte per pixel (png-grey.ts). */
export type Picture = Rgba | Grey;

/** A greyscale ink map: 0 = background, 255 = full ink. */
export interface InkMap {
  data: Uint8Array;
  width: number;
  height: number;
}

/** An ink map with its largest value and the level of its paper (the median of its outermost ring of pixels). */
export type Ink = InkMap & { max: number; background: number };

// Tables reused for every picture rather than garbage per request (docs/performance.md): safe because toMnist runs
// synchronously from start to end and each worker thread has its own copy of this module. The ring's levels are
// counted, not listed, so the median needs no sort.
const RING_COUNTS = new Uint32Array(256);
const LEVEL_COUNTS = new Uint32Array(256);
const LEVELS = new Uint8Array(256);

/** Rec. 601 luma in 16-bit fixed point: these run over every pixel of pictures up to 512×512. */
export const luma = (r: number, g: number, b: number): number => (19595 * r + 38470 * g + 7471 * b + 32768) >>> 16;

/** A picture with any pixel less opaque than this is strokes on a transparent canvas: its alpha is the ink. */
export const SEE_THROUGH_BELOW = 250;

/** RGBA → luma, or the alpha channel when the picture has transparency. */
export function greyOf({ data: rgba, width, height, opaque }: Rgba): Grey {
  const n = width * height;
  const grey = new Uint8Array(n);
  let transparent = false;
  for (let i = 3; i < rgba.length && !opaque; i += 4) {
    if (rgba[i] < SEE_THROUGH_BELOW) {
      transparent = true;
      break;
    }
  }
  // The darkest and lightest values are tracked on the way, so that no other pass over the picture is needed for them.
  let lo = 255;
  let hi = 0;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const v = transparent ? rgba[j + 3] : luma(rgba[j], rgba[j + 1], rgba[j + 2]);
    grey[i] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { data: grey, width, height, alphaIsInk: transparent, lo, hi };
}

/** Ink intensity per pixel, whatever the picture's polarity. Inverts `grey` in place when it is dark ink on paper. */
export function toInk(grey: Grey): Ink {
  const { data, width, height } = grey;
  const { inverted, max, background } = polarity(grey);
  if (inverted) for (let i = 0; i < data.length; i++) data[i] = 255 - data[i];
  return { data, width, height, max, background };
}

/** Whether a picture is dark ink on light paper, and its strongest ink and its paper's level as ink (after inverting). */
export interface Polarity {
  inverted: boolean;
  max: number;
  background: number;
}

/** The polarity of `grey`, from its outermost ring of pixels. Writes nothing. */
export function polarity(grey: Grey): Polarity {
  const ring = ringCounts(grey);
  let sum = 0;
  let n = 0;
  for (let v = 0; v < 256; v++) {
    sum += v * ring[v];
    n += ring[v];
  }
  // The border is mostly paper, and paper is light: dark ink on light paper is inverted to MNIST's white on black. Paper
  // darker than mid-grey (an underexposed photo) is still paper when the border lies near the picture's lightest level
  // and far from its darkest: the ink is then the darker side (read as white ink on black, every such picture failed).
  const border = sum / n;
  if (grey.alphaIsInk || (border <= 127 && !nearLightest(grey, border)))
    return { inverted: false, max: grey.hi, background: levelAt(ring, n >> 1) };
  return { inverted: true, max: 255 - grey.lo, background: levelAt(ring.reverse(), n >> 1) }; // level v is now 255 − v
}

/** Whether `level` lies far nearer the picture's lightest levels than its darkest: by its extremes first (cheap, and
 * false for almost every white-on-black picture), then by its 1st and 99th percentiles, so that a speck or a glint
 * does not decide. */
function nearLightest(grey: Grey, level: number): boolean {
  const near = (lo: number, hi: number) => hi - level < (level - lo) / 2;
  if (!near(grey.lo, grey.hi)) return false;
  const counts = LEVEL_COUNTS.fill(0); // not RING_COUNTS: polarity still reads the ring's
  for (let i = 0; i < grey.data.length; i++) counts[grey.data[i]]++;
  const n = grey.data.length;
  const tail = Math.floor(n / 100);
  return near(levelAt(counts, tail), levelAt(counts, n - 1 - tail));
}

/** How often each level 0..255 occurs on the outermost ring of pixels, where the paper (not the digit) is. Valid until
 * the next call. */
function ringCounts({ data, width, height }: InkMap): Uint32Array {
  const counts = RING_COUNTS.fill(0);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y === 0 || y === height - 1) for (let x = 0; x < width; x++) counts[data[row + x]]++;
    else {
      counts[data[row]]++;
      if (width > 1) counts[data[row + width - 1]]++;
    }
  }
  return counts;
}

/** The level at index `rank` of the counted levels once sorted, counted up to from the darkest (rank n >> 1 of n: the
 * median). */
export function levelAt(counts: Uint32Array, rank: number): number {
  let level = 0;
  for (let seen = counts[0]; seen <= rank;) seen += counts[++level];
  return level;
}

/** A lookup table that maps ink levels to MNIST's (background at 0, the strongest ink at 255, faint noise on paper
 * removed), and the highest level it maps to 0. The table is LEVELS, valid until the next picture. */
function levelTable(max: number, background: number) {
  const range = max - background;
  if (range < MIN_CONTRAST)
    throw new PreprocessError('no_digit_found', 'the image is blank: no ink stands out from the background; send a picture of a digit');
  // A perfectly clean background (digital drawings, MNIST itself) keeps every shade; a photo's paper grain does not.
  const floor = background > 0 ? 0.15 : 0;
  const level = LEVELS;
  for (let v = 0; v < 256; v++) {
    const x = (v - background) / range;
    level[v] = x > floor ? Math.round(Math.min(1, x) * 255) : 0;
  }
  // Levels rise with ink, so "mapped to more than 0" is "above a threshold": the box scan is a plain comparison.
  let threshold = 0;
  while (threshold < 255 && level[threshold + 1] === 0) threshold++;
  return { level, threshold };
}

// The per-pixel passes of normalising (the box scan, the crop through the table, the resample) run in WebAssembly
// (assembly/normalise.ts): as JavaScript byte loops they were most of a 280×280 request's normalisation
// (docs/performance.md). A map is copied into the kernels' memory once (unless the PNG kernels decoded it there), and
// worked on there: its box, then its table and its crop after it.
/** Where the kernels write a box (4 × i32); a map is copied after it. */
const BOX_AT = () => kernels.heapBase();

/** Where `map` lies in the kernels' memory: where it already is, or at BOX_AT + 16 once copied there (a picture up to
 * 2048×1024, what /read decodes, fits easily). */
function copyIn({ data }: InkMap): number {
  if (data.buffer === kernels.memory.buffer) return data.byteOffset;
  const at = BOX_AT() + 16;
  kernelBytes(at + data.length).set(data, at);
  return at;
}

/** The box of the pixels of the map at `at` above `threshold` as ink: of `255 − value` when `inverted`, so that no
 * inverted copy is made. Each row is scanned from the left up to its first ink and from the right down to the box's
 * right edge so far. */
function inkBox(at: number, { width, height }: InkMap, threshold: number, inverted: boolean): Box {
  // Ink is a value above `above` (or, inverted, below `below`): one comparison a pixel.
  const [above, below] = inverted ? [255, 255 - threshold] : [threshold, 0];
  kernels.inkBox(at, width, height, above, below, BOX_AT());
  const [left, top, right, bottom] = new Int32Array(kernels.memory.buffer, BOX_AT(), 4);
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/** The box of the map at `at` mapped through `level`, written after it in the kernels' memory: returns where. Growing
 * that memory may leave `map.data` (when it is a view there) empty: it is not read again. */
function cropInKernels(at: number, { width, height }: InkMap, box: Box, level: Uint8Array): number {
  const table = at + width * height;
  const out = table + 256;
  kernelBytes(out + box.width * box.height).set(level, table);
  kernels.cropMap(at, width, box.x, box.y, box.width, box.height, table, out);
  return out;
}

/** The BOX-fitted digit placed in SIDE×SIDE with its centre of mass at the centre. Returns bytes 0..255. */
function centreByMass(digit: InkMap): Uint8Array {
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) {
      const v = digit.data[y * digit.width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  const ox = clamp(Math.round(SIDE / 2 - mx / mass), SIDE - digit.width);
  const oy = clamp(Math.round(SIDE / 2 - my / mass), SIDE - digit.height);
  const out = new Uint8Array(SIDE * SIDE);
  // Row by row without subarray(): a view per row is garbage per request (docs/performance.md).
  for (let y = 0; y < digit.height; y++) {
    for (let x = 0; x < digit.width; x++) out[(y + oy) * SIDE + ox + x] = digit.data[y * digit.width + x];
  }
  return out;
}

/** Any decoded picture → the MNIST-style digit as SIDE×SIDE bytes 0..255. Throws no_digit_found when there is none. */
export function toMnist(picture: Picture): Uint8Array {
  const grey = 'alphaIsInk' in picture ? picture : greyOf(picture);
  // As normaliseDigit(croppedInk(…)), but the crop is resampled where it lies in the kernels' memory.
  const { at, box } = cropInk(grey, polarity(grey));
  const { width, height } = fitted(box);
  const data =
    width === box.width && height === box.height
      ? kernelBytes(0).slice(at, at + width * height)
      : resampleInKernels(at, box.width, box.height, width, height);
  return centreByMass({ data, width, height });
}

/** The ink's bounding box cut out of `map` (at `x`, `y`), mapped to MNIST's levels. Throws no_digit_found when
 * nothing stands out. */
export function croppedInk(map: InkMap, seen: Polarity): InkMap & { x: number; y: number } {
  const { at, box } = cropInk(map, seen);
  return { data: kernelBytes(0).slice(at, at + box.width * box.height), width: box.width, height: box.height, x: box.x, y: box.y };
}

/** The ink's box of `map`, and where in the kernels' memory its crop mapped to MNIST's levels lies. Only the box is ever
 * mapped, and dark ink on paper (`inverted`) is never inverted in place: the box scan compares the other way and the
 * table maps each value v as ink 255 − v, which saves a pass over the whole picture. */
function cropInk(map: InkMap, { inverted, max, background }: Polarity): { at: number; box: Box } {
  const { level, threshold } = levelTable(max, background);
  const from = copyIn(map);
  const box = inkBox(from, map, threshold, inverted);
  if (inverted) for (let v = 0; v < 128; v++) [level[v], level[255 - v]] = [level[255 - v], level[v]];
  return { at: cropInKernels(from, map, box, level), box };
}

/** The size of a digit of `width` × `height` fitted into BOX×BOX, its aspect ratio kept. */
function fitted({ width, height }: { width: number; height: number }) {
  const scale = BOX / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** One digit's ink, cropped to its box and mapped to MNIST's levels → fitted into 20×20 and centred by mass in 28×28. */
export function normaliseDigit(digit: InkMap): Uint8Array {
  const { width, height } = fitted(digit);
  const data =
    width === digit.width && height === digit.height ? digit.data : resample(digit.data, digit.width, digit.height, width, height);
  return centreByMass({ data, width, height });
}
