// The common PNGs straight to one byte per pixel: 8-bit grey, grey+alpha, RGB or RGBA, not interlaced, no tRNS (what
// canvases, screenshots, sharp and MNIST tools write). Node's zlib inflates, the five scanline filters are undone row by
// row, and each row goes straight to luma (or alpha), the one byte per pixel normalisation needs.
// Why not pngjs here: it expands every pixel to RGBA first, which was ~0.6 ms of its ~0.8 ms on a 280×280 drawing
// (measured); this path takes ~0.25 ms. Anything else (palette, 16-bit, interlaced, tRNS, damaged data) returns
// undefined and goes to pngjs, which decodes it or says what is wrong with it.
import { constants as zlibConstants, inflateSync } from 'node:zlib';
import { luma, SEE_THROUGH_BELOW, type Grey } from './mnist-normalise.js';

/** Bytes per pixel of each 8-bit colour type this path takes: grey, RGB, grey+alpha, RGBA. */
const CHANNELS = new Map([
  [0, 1],
  [2, 3],
  [4, 2],
  [6, 4],
]);

const fourCC = (b: Uint8Array, at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

export function decodeCommonPng(png: Uint8Array): Grey | undefined {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at);
    const type = fourCC(png, at + 4);
    const data = png.subarray(at + 8, at + 8 + length);
    if (data.length < length) return undefined;
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [bitDepth, colourType, , , interlace] = data.subarray(8, 13);
      if (bitDepth !== 8 || interlace !== 0 || !CHANNELS.has(colourType)) return undefined;
      channels = CHANNELS.get(colourType)!;
    } else if (type === 'tRNS') return undefined;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!channels || idat.length === 0 || width === 0 || height === 0) return undefined;

  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    // Bounded: a few KB of deflate can claim gigabytes. One output chunk that fits the whole image (+1 byte, so a full
    // chunk is not taken as a sign of more to come): node:zlib otherwise fills 16 KB chunks and concatenates them, which
    // cost a 280×280 drawing ~50 µs of its ~150 µs inflate and twice the off-heap memory (measured).
    const inflated = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), {
      maxOutputLength: expected,
      chunkSize: Math.max(zlibConstants.Z_MIN_CHUNK, expected + 1),
    });
    // A plain Uint8Array view: the loops below run over it, and one element kind keeps them monomorphic.
    raw = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
  } catch {
    return undefined;
  }
  if (raw.length < expected) return undefined;
  if (!unfilter(raw, height, stride, channels)) return undefined;
  return toGrey(raw, width, height, channels);
}

/** Undoes each row's filter in place (PNG spec §9). Rows are [filter byte, stride bytes]. False for a bad filter byte. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): boolean {
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1) + 1;
    const end = start + stride;
    const up = start - stride - 1; // the row above; there is none for y = 0 (its bytes count as 0)
    switch (raw[start - 1]) {
      case 0:
        break;
      case 1: // Sub: + the byte one pixel to the left
        for (let i = start + bpp; i < end; i++) raw[i] += raw[i - bpp];
        break;
      case 2: // Up: + the byte above
        if (y > 0) for (let i = start; i < end; i++) raw[i] += raw[i + up - start];
        break;
      case 3: // Average of left and above
        for (let i = start; i < end; i++) {
          const left = i - start >= bpp ? raw[i - bpp] : 0;
          const above = y > 0 ? raw[i + up - start] : 0;
          raw[i] += (left + above) >> 1;
        }
        break;
      case 4: // Paeth: whichever of left, above, upper-left is closest to left + above − upper-left
        for (let i = start; i < end; i++) {
          const hasLeft = i - start >= bpp;
          const a = hasLeft ? raw[i - bpp] : 0;
          const b = y > 0 ? raw[i + up - start] : 0;
          const c = hasLeft && y > 0 ? raw[i + up - start - bpp] : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          raw[i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Unfiltered rows → luma, or alpha if any pixel is see-through: what greyOf makes of the same pixels as RGBA. */
function toGrey(raw: Uint8Array, width: number, height: number, channels: number): Grey {
  const n = width * height;
  const lumas = new Uint8Array(n);
  const alpha = channels === 2 || channels === 4 ? new Uint8Array(n) : undefined;
  const colour = channels >= 3;
  // One loop per row and kind of pixel, with no per-pixel branching on the kind: this is the hot loop of a drawing.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const from = y * (width * channels + 1) + 1;
    if (colour) {
      for (let x = 0, j = from; x < width; x++, j += channels) {
        lumas[row + x] = luma(raw[j], raw[j + 1], raw[j + 2]);
      }
    } else {
      for (let x = 0, j = from; x < width; x++, j += channels) lumas[row + x] = raw[j];
    }
    if (alpha) for (let x = 0, j = from + channels - 1; x < width; x++, j += channels) alpha[row + x] = raw[j];
  }
  const alphaIsInk = alpha !== undefined && alpha.some((a) => a < SEE_THROUGH_BELOW);
  const ink = alphaIsInk ? alpha : lumas;
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const v = ink[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { data: ink, width, height, alphaIsInk, lo, hi };
}
