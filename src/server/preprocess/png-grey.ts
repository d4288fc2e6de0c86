// A PNG's pixel data straight to one byte per pixel (luma, or alpha when the picture has see-through pixels), for every
// layout the PNG spec allows: grey at 1–16 bits, RGB, palette, grey+alpha, RGBA, tRNS, interlaced or not. The pixel data
// is inflated into exactly the size the (already checked, png-header.ts) header declares, the five scanline filters are
// undone row by row, and each row goes straight to the byte normalisation needs.
// Why by hand, not pngjs: pngjs expands every pixel to RGBA first (~0.6 ms of its ~0.8 ms on a 280×280 drawing), and
// its synchronous inflate returned uninitialised memory for short data and leaked its zlib handle on errors.
// Why not node:zlib's inflateSync: on Node 20 every inflateSync that fails (truncated or corrupt data) leaks its output
// buffer and zlib state, whatever finishFlush or close() (an attacker's memory pump; test/security.test.ts sends 5,000).
// Small pictures inflate with fflate, JavaScript writing into a buffer we allocate, so a failure leaves only garbage the
// GC collects; larger ones with node:zlib's asynchronous inflate, whose failures free everything, which costs a third of
// fflate's CPU on a drawing and runs on libuv's threads, off the event loop (docs/performance.md).
import { promisify } from 'node:util';
import { constants as zlibConstants, inflate } from 'node:zlib';
import { unzlibSync } from 'fflate';
import { luma, SEE_THROUGH_BELOW, type Grey } from './mnist-normalise.js';
import { ADAM7, invalidPng, passSize, WHOLE, type PngHeader } from './png-header.js';

/** The header's pixels, from its image data inflated (`inflateExact` or `inflateExactAsync`) to exactly its size. */
export function decodePngPixels(header: PngHeader, raw = inflateExact(header)): Grey {
  const { width, height, bitsPerPixel, interlaced, colourType, transparency } = header;
  const n = width * height;
  const lumas = new Uint8Array(n);
  const alpha = colourType === 4 || colourType === 6 || transparency ? new Uint8Array(n) : undefined;
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes from a byte to the same byte of the pixel to its left
  const write = rowWriter(header, lumas, alpha);
  let offset = 0;
  for (const pass of interlaced ? ADAM7 : WHOLE) {
    const size = passSize(width, height, pass);
    if (size.width <= 0 || size.height <= 0) continue;
    const stride = Math.ceil((size.width * bitsPerPixel) / 8);
    unfilter(raw, offset, size.height, stride, bpp);
    const [x0, y0, dx, dy] = pass;
    for (let r = 0; r < size.height; r++) write(raw, offset + r * (stride + 1) + 1, size.width, (y0 + r * dy) * width + x0, dx);
    offset += size.height * (stride + 1);
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

/** Inflates into a buffer we allocated (zeroed) of exactly `size` + 1 bytes: it cannot write past it, and anything but
 * exactly `size` bytes (short data, or data running into the last byte) is an error. */
export function inflateExact({ idat, inflatedSize: size }: PngHeader): Uint8Array {
  let inflated: Uint8Array;
  try {
    inflated = unzlibSync(idat.length === 1 ? idat[0] : Buffer.concat(idat), { out: new Uint8Array(size + 1) });
  } catch (err) {
    throw invalidPng(`the image data does not inflate (${(err as Error).message})`);
  }
  return exactly(inflated, size);
}

const inflateAsync = promisify(inflate);

/** The same bound with node:zlib on libuv's threads: at most `size` + 1 bytes are produced, all of them written by zlib. */
export async function inflateExactAsync({ idat, inflatedSize: size }: PngHeader): Promise<Uint8Array> {
  let inflated: Buffer;
  try {
    // One output chunk that holds the whole image: no concatenation of 16 KB pieces.
    const options = { maxOutputLength: size + 1, chunkSize: Math.max(zlibConstants.Z_MIN_CHUNK, size + 1) };
    inflated = await inflateAsync(idat.length === 1 ? idat[0] : Buffer.concat(idat), options);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw invalidPng(`the image data inflates to more bytes than the header declares (${size})`);
    throw invalidPng(`the image data does not inflate (${(err as Error).message})`);
  }
  return exactly(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length), size);
}

function exactly(inflated: Uint8Array, size: number): Uint8Array {
  if (inflated.length !== size) throw invalidPng(`the image data inflates to ${inflated.length > size ? 'more' : `${inflated.length}`} bytes, the header declares ${size}`);
  return inflated;
}

/**
 * Undoes each row's filter in place (PNG spec §9). Rows are [filter byte, stride bytes], from `offset`. The first row
 * (whose row above counts as zeros) and each row's first pixel (whose left counts as zeros) are handled apart, so that
 * the loops over the rest of a row test nothing per byte: Paeth and Up fill most rows of real files.
 */
function unfilter(raw: Uint8Array, offset: number, height: number, stride: number, bpp: number): void {
  const rowBytes = stride + 1;
  for (let y = 0; y < height; y++) {
    const start = offset + y * rowBytes + 1;
    const end = start + stride;
    const first = Math.min(start + bpp, end); // the first pixel's bytes end here
    const filter = raw[start - 1];
    if (filter > 4) throw invalidPng(`unknown filter type ${filter}`);
    if (filter === 0) continue;
    if (y === 0) {
      // No row above: Up adds nothing, Average adds half the left, Paeth picks the left (as Sub).
      if (filter === 1 || filter === 4) for (let i = first; i < end; i++) raw[i] += raw[i - bpp];
      else if (filter === 3) for (let i = first; i < end; i++) raw[i] += raw[i - bpp] >> 1;
      continue;
    }
    switch (filter) {
      case 1: // Sub: + the byte one pixel to the left
        for (let i = first; i < end; i++) raw[i] += raw[i - bpp];
        break;
      case 2: // Up: + the byte above
        for (let i = start; i < end; i++) raw[i] += raw[i - rowBytes];
        break;
      case 3: // Average of left and above
        for (let i = start; i < first; i++) raw[i] += raw[i - rowBytes] >> 1;
        for (let i = first; i < end; i++) raw[i] += (raw[i - bpp] + raw[i - rowBytes]) >> 1;
        break;
      case 4: // Paeth: whichever of left, above, upper-left is closest to left + above − upper-left
        for (let i = start; i < first; i++) raw[i] += raw[i - rowBytes]; // no left: above wins
        for (let i = first; i < end; i++) {
          const a = raw[i - bpp];
          const b = raw[i - rowBytes];
          const c = raw[i - rowBytes - bpp];
          const toA = b - c; // p − a
          const toB = a - c; // p − b
          const pa = toA < 0 ? -toA : toA;
          const pb = toB < 0 ? -toB : toB;
          const pc = toA + toB < 0 ? -(toA + toB) : toA + toB;
          raw[i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        break;
    }
  }
}

/** Writes `count` pixels of an unfiltered row from raw[from] to lumas/alpha at out, out + step, … */
type RowWriter = (raw: Uint8Array, from: number, count: number, out: number, step: number) => void;

/** The row writer for the header's layout, chosen once per picture: no per-pixel branching on the kind of pixel. */
function rowWriter({ colourType, bitDepth, palette, transparency }: PngHeader, lumas: Uint8Array, alpha: Uint8Array | undefined): RowWriter {
  if (colourType === 3 || bitDepth < 8) {
    // Palette indices or low-bit grey levels: a table from sample to luma and alpha.
    const levels = 1 << bitDepth;
    const lut = new Uint8Array(256);
    const alut = new Uint8Array(256).fill(255); // indices past the palette read as black, opaque: memory we wrote
    for (let s = 0; s < levels; s++) {
      if (colourType === 3) {
        if (3 * s + 2 < palette!.length) lut[s] = luma(palette![3 * s], palette![3 * s + 1], palette![3 * s + 2]);
        if (transparency && s < transparency.length) alut[s] = transparency[s];
      } else {
        lut[s] = Math.round((s * 255) / (levels - 1));
        if (transparency && s === ((transparency[0] << 8) | transparency[1])) alut[s] = 0;
      }
    }
    if (bitDepth === 8) {
      return (raw, from, count, out, step) => {
        for (let x = 0, o = out; x < count; x++, o += step) {
          lumas[o] = lut[raw[from + x]];
          if (alpha) alpha[o] = alut[raw[from + x]];
        }
      };
    }
    const mask = levels - 1;
    return (raw, from, count, out, step) => {
      for (let x = 0, o = out; x < count; x++, o += step) {
        const bit = x * bitDepth;
        const s = (raw[from + (bit >> 3)] >> (8 - bitDepth - (bit & 7))) & mask;
        lumas[o] = lut[s];
        if (alpha) alpha[o] = alut[s];
      }
    };
  }
  const channels = colourType === 0 ? 1 : colourType === 2 ? 3 : colourType === 4 ? 2 : 4;
  const colour = channels >= 3;
  if (bitDepth === 8 && !transparency) {
    // The common case (canvases, screenshots, sharp, MNIST tools): the hot loop of a drawing.
    return (raw, from, count, out, step) => {
      if (colour) for (let x = 0, j = from, o = out; x < count; x++, j += channels, o += step) lumas[o] = luma(raw[j], raw[j + 1], raw[j + 2]);
      else for (let x = 0, j = from, o = out; x < count; x++, j += channels, o += step) lumas[o] = raw[j];
      if (alpha) for (let x = 0, j = from + channels - 1, o = out; x < count; x++, j += channels, o += step) alpha[o] = raw[j];
    };
  }
  // 16-bit samples (their high byte, as sharp makes 8 bits of them), and grey or RGB with a see-through colour (tRNS).
  const bytes = bitDepth >> 3;
  const sample = (raw: Uint8Array, j: number) => (bytes === 2 ? (raw[j] << 8) | raw[j + 1] : raw[j]);
  const key = transparency ? Array.from({ length: transparency.length / 2 }, (_, c) => (transparency[2 * c] << 8) | transparency[2 * c + 1]) : undefined;
  return (raw, from, count, out, step) => {
    for (let x = 0, j = from, o = out; x < count; x++, j += channels * bytes, o += step) {
      lumas[o] = colour ? luma(raw[j], raw[j + bytes], raw[j + 2 * bytes]) : raw[j];
      if (!alpha) continue;
      if (key) alpha[o] = key.every((k, c) => sample(raw, j + c * bytes) === k) ? 0 : 255;
      else alpha[o] = raw[j + (channels - 1) * bytes];
    }
  };
}
