// A PNG's pixel data straight to one byte per pixel (luma, or alpha when the picture has see-through pixels), for every
// layout the PNG spec allows: grey at 1–16 bits, RGB, palette, grey+alpha, RGBA, tRNS, interlaced or not. The pixel data
// is inflated into exactly the size the (already checked, png-header.ts) header declares, the five scanline filters are
// undone row by row, and each row goes straight to the byte normalisation needs.
// Why by hand, not pngjs: pngjs expands every pixel to RGBA first (~0.6 ms of its ~0.8 ms on a 280×280 drawing), and
// its synchronous inflate returned uninitialised memory for short data and leaked its zlib handle on errors.
// Inflate: node:zlib into one buffer of at most the declared size + 1 bytes (maxOutputLength), of which only what zlib
// wrote is kept; on the calling thread up to SYNC_INFLATE_BYTES, where a hop to libuv's threads costs more than the
// work, and on libuv's threads beyond, off the event loop. Failed synchronous calls free everything once the event loop
// turns (test/security.test.ts sends 5,000 corrupt PNGs; docs/performance.md).
import { promisify } from 'node:util';
import { constants as zlibConstants, inflate, inflateSync, type ZlibOptions } from 'node:zlib';
import { luma, SEE_THROUGH_BELOW, type Grey } from './mnist-normalise.js';
import { ADAM7, invalidPng, passSize, WHOLE, type PngHeader } from './png-header.js';
import { kernelBytes, kernels as rows, WASM_MAX_BYTES } from './wasm-kernels.js';

/** The header's pixels, from its image data inflated (`inflateExact` or `inflateExactAsync`) to exactly its size. With
 * `inKernels`, a plane the kernels decoded is left where they wrote it, as a view valid only until the next use of their
 * memory on this thread: for a caller that normalises it at once (png-decode.ts), saving a copy out and back in. */
export function decodePngPixels(header: PngHeader, raw = inflateExact(header), inKernels = false): Grey {
  const { width, height, bitsPerPixel, interlaced, colourType, transparency } = header;
  const n = width * height;
  if (!interlaced && header.bitDepth === 8 && colourType !== 3 && !transparency && raw.length + 2 * n <= WASM_MAX_BYTES) {
    return decodeInWasm(header, raw, inKernels);
  }
  const lumas = new Uint8Array(n);
  const alpha = colourType === 4 || colourType === 6 || transparency ? new Uint8Array(n) : undefined;
  const bpp = Math.max(1, bitsPerPixel >> 3); // bytes from a byte to the same byte of the pixel to its left
  const range = new Levels();
  const write = rowWriter(header, lumas, alpha, range);
  let offset = 0;
  for (const pass of interlaced ? ADAM7 : WHOLE) {
    const size = passSize(width, height, pass);
    if (size.width <= 0 || size.height <= 0) continue;
    const stride = Math.ceil((size.width * bitsPerPixel) / 8);
    const [x0, y0, dx, dy] = pass;
    // Each row is unfiltered and turned into pixels at once, while it (and the row above it) is in the cache.
    for (let r = 0, start = offset + 1; r < size.height; r++, start += stride + 1) {
      unfilterRow(raw, start, stride, bpp, r === 0);
      write(raw, start, size.width, (y0 + r * dy) * width + x0, dx);
    }
    offset += size.height * (stride + 1);
  }
  const alphaIsInk = alpha !== undefined && range.alphaLo < SEE_THROUGH_BELOW;
  return alphaIsInk
    ? { data: alpha, width, height, alphaIsInk, lo: range.alphaLo, hi: range.alphaHi }
    : { data: lumas, width, height, alphaIsInk, lo: range.lo, hi: range.hi };
}

// The 8-bit layouts of nearly every real file (grey, RGB, grey+alpha, RGBA; not interlaced) are unfiltered and turned
// into luma by WebAssembly with SIMD (assembly/png.ts): a plain JS byte loop costs ~2–5 ns a byte on this VM, and a
// 280×280 drawing is 235–314 KB of them (docs/performance.md). One instance per thread, its memory grown to the
// largest picture decoded so far and never beyond WASM_MAX_BYTES; rarer layouts take the JS loops below.
function decodeInWasm({ width, height, bitsPerPixel }: PngHeader, raw: Uint8Array, inKernels: boolean): Grey {
  const channels = bitsPerPixel >> 3;
  const stride = width * channels;
  const n = width * height;
  // [a row of zeros: the row above the first][the rows][4 spare bytes: a pixel's step writes 4][luma][alpha]
  const above = rows.heapBase();
  const at = above + stride + 1;
  const lumaAt = at + raw.length + 4;
  const alphaAt = lumaAt + n;
  const memory = kernelBytes(alphaAt + n);
  memory.fill(0, above, at);
  memory.set(raw, at);
  memory.fill(0, lumaAt - 4, lumaAt);
  const badRow = rows.unfilter(at, height, stride, channels);
  if (badRow >= 0) throw invalidPng(`unknown filter type ${memory[at + badRow * (stride + 1)]}`);
  const extremes = rows.toLuma(at, width, height, channels, lumaAt, alphaAt);
  const [lo, hi, alphaLo, alphaHi] = [extremes & 255, (extremes >>> 8) & 255, (extremes >>> 16) & 255, extremes >>> 24];
  // Every byte copied out was written by toLuma for this picture: all width × height of the plane.
  const alphaIsInk = (channels === 2 || channels === 4) && alphaLo < SEE_THROUGH_BELOW;
  const from = alphaIsInk ? alphaAt : lumaAt;
  const data = inKernels ? memory.subarray(from, from + n) : memory.slice(from, from + n);
  return alphaIsInk ? { data, width, height, alphaIsInk, lo: alphaLo, hi: alphaHi } : { data, width, height, alphaIsInk, lo, hi };
}

/** The darkest and lightest luma and alpha written so far, kept by the row writers: no other pass over the picture. */
class Levels {
  lo = 255;
  hi = 0;
  alphaLo = 255;
  alphaHi = 0;

  /** Takes in `count` written pixels from `out`, `step` apart. */
  see(lumas: Uint8Array, alpha: Uint8Array | undefined, out: number, count: number, step: number): void {
    for (let x = 0, o = out; x < count; x++, o += step) {
      const v = lumas[o];
      if (v < this.lo) this.lo = v;
      if (v > this.hi) this.hi = v;
      if (!alpha) continue;
      const a = alpha[o];
      if (a < this.alphaLo) this.alphaLo = a;
      if (a > this.alphaHi) this.alphaHi = a;
    }
  }
}

/** Pixel data up to this many bytes inflates synchronously (a 400×120 RGB scan: 144 KB, ~0.15 ms). Blocking the event
 * loop longer for one picture lengthened the c64 tail of others (docs/performance.md). */
export const SYNC_INFLATE_BYTES = 192 << 10;

/** Inflates the image data to exactly the header's size, or throws invalid_png: at most `size` + 1 bytes are produced,
 * all of them written by zlib, and anything but exactly `size` (short data, or data running past it) is an error. */
export function inflateExact(header: PngHeader): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = inflateSync(idatOf(header), inflateOptions(header));
  } catch (err) {
    throw notInflating(err, header);
  }
  return exactly(inflated, header.inflatedSize);
}

const inflateAsync = promisify(inflate);

/** The same, on libuv's threads when the data is larger than SYNC_INFLATE_BYTES. */
export async function inflateExactAsync(header: PngHeader): Promise<Uint8Array> {
  if (header.inflatedSize <= SYNC_INFLATE_BYTES) return inflateExact(header);
  let inflated: Buffer;
  try {
    inflated = await inflateAsync(idatOf(header), inflateOptions(header));
  } catch (err) {
    throw notInflating(err, header);
  }
  return exactly(inflated, header.inflatedSize);
}

const idatOf = ({ idat }: PngHeader) => (idat.length === 1 ? idat[0] : Buffer.concat(idat));

/** One output chunk that holds the whole image (no concatenation of 16 KB pieces), and not a byte more than one past it. */
const inflateOptions = ({ inflatedSize: size }: PngHeader): ZlibOptions => ({
  maxOutputLength: size + 1,
  chunkSize: Math.max(zlibConstants.Z_MIN_CHUNK, size + 1),
});

function notInflating(err: unknown, { inflatedSize: size }: PngHeader): Error {
  if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
    return invalidPng(`the image data inflates to more bytes than the header declares (${size})`);
  return invalidPng(`the image data does not inflate (${(err as Error).message})`);
}

function exactly(inflated: Buffer, size: number): Uint8Array {
  if (inflated.length !== size)
    throw invalidPng(
      `the image data inflates to ${inflated.length > size ? 'more' : `${inflated.length}`} bytes, the header declares ${size}`,
    );
  return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
}

/**
 * Undoes one row's filter in place (PNG spec §9): raw[start − 1] is its filter byte, and `stride` bytes follow; the row
 * above (already unfiltered) ends just before it. Each byte of a pixel is undone as its own series, one byte of each
 * pixel at a time, so that the left and upper-left neighbours stay in locals rather than being read again: Paeth and
 * Up fill most rows of real files, and the first row (whose row above counts as zeros) and the first pixel (whose left
 * counts as zeros) are handled apart, so that the loops test nothing per byte.
 */
function unfilterRow(raw: Uint8Array, start: number, stride: number, bpp: number, firstRow: boolean): void {
  const filter = raw[start - 1];
  if (filter > 4) throw invalidPng(`unknown filter type ${filter}`);
  const end = start + stride;
  const up = stride + 1; // from a byte to the byte above it
  if (filter === 0 || (filter === 2 && firstRow)) return;
  if (filter === 2) {
    for (let i = start; i < end; i++) raw[i] += raw[i - up];
    return;
  }
  // Sub, and Paeth with no row above (which picks the left, as Sub), and Average with no row above (half the left).
  if (filter === 1 || (filter === 4 && firstRow)) {
    for (let k = 0; k < bpp; k++) for (let i = start + k + bpp, a = raw[i - bpp]; i < end; i += bpp) a = raw[i] = (raw[i] + a) & 255;
    return;
  }
  if (filter === 3 && firstRow) {
    for (let k = 0; k < bpp; k++) for (let i = start + k + bpp, a = raw[i - bpp]; i < end; i += bpp) a = raw[i] = (raw[i] + (a >> 1)) & 255;
    return;
  }
  for (let k = 0; k < bpp && start + k < end; k++) {
    // The first pixel has no left: Average adds half the byte above, Paeth the byte above.
    const first = start + k;
    let a = (raw[first] = (raw[first] + (filter === 3 ? raw[first - up] >> 1 : raw[first - up])) & 255);
    if (filter === 3) {
      for (let i = first + bpp; i < end; i += bpp) a = raw[i] = (raw[i] + ((a + raw[i - up]) >> 1)) & 255;
      continue;
    }
    // Paeth: whichever of left (a), above (b), upper-left (c) is closest to a + b − c.
    let c = raw[first - up];
    for (let i = first + bpp; i < end; i += bpp) {
      const b = raw[i - up];
      const toA = b - c; // p − a
      const toB = a - c; // p − b
      const pa = toA < 0 ? -toA : toA;
      const pb = toB < 0 ? -toB : toB;
      const pc = toA + toB < 0 ? -(toA + toB) : toA + toB;
      a = raw[i] = (raw[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      c = b;
    }
  }
}

/** Writes `count` pixels of an unfiltered row from raw[from] to lumas/alpha at out, out + step, … */
type RowWriter = (raw: Uint8Array, from: number, count: number, out: number, step: number) => void;

/** The row writer for the header's layout, chosen once per picture: no per-pixel branching on the kind of pixel. Every
 * writer keeps `range` up to date with what it wrote. */
function rowWriter(header: PngHeader, lumas: Uint8Array, alpha: Uint8Array | undefined, range: Levels): RowWriter {
  const { colourType, bitDepth, transparency } = header;
  const channels = colourType === 0 || colourType === 3 ? 1 : colourType === 2 ? 3 : colourType === 4 ? 2 : 4;
  if (bitDepth !== 8 || transparency || colourType === 3) {
    const write = generalWriter(header, channels, lumas, alpha);
    return (raw, from, count, out, step) => {
      write(raw, from, count, out, step);
      range.see(lumas, alpha, out, count, step);
    };
  }
  // The common case (canvases, screenshots, PIL, sharp, MNIST tools): the hot loops of a drawing, one per layout, each
  // finding the extremes as it writes.
  if (channels === 1)
    return (raw, from, count, out, step) => {
      let { lo, hi } = range;
      for (let j = from, o = out, end = from + count; j < end; j++, o += step) {
        const v = (lumas[o] = raw[j]);
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      range.lo = lo;
      range.hi = hi;
    };
  if (channels === 3)
    return (raw, from, count, out, step) => {
      let { lo, hi } = range;
      for (let j = from, o = out, end = from + 3 * count; j < end; j += 3, o += step) {
        const v = (lumas[o] = luma(raw[j], raw[j + 1], raw[j + 2]));
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      range.lo = lo;
      range.hi = hi;
    };
  const withAlpha = alpha!;
  const grey = channels === 2;
  return (raw, from, count, out, step) => {
    let { lo, hi, alphaLo, alphaHi } = range;
    for (let j = from, o = out, end = from + channels * count; j < end; j += channels, o += step) {
      const v = (lumas[o] = grey ? raw[j] : luma(raw[j], raw[j + 1], raw[j + 2]));
      const a = (withAlpha[o] = raw[j + channels - 1]);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      if (a < alphaLo) alphaLo = a;
      if (a > alphaHi) alphaHi = a;
    }
    range.lo = lo;
    range.hi = hi;
    range.alphaLo = alphaLo;
    range.alphaHi = alphaHi;
  };
}

/** The rarer layouts: palette indices, grey at 1–16 bits, 16-bit samples, a see-through colour (tRNS). */
function generalWriter(
  { colourType, bitDepth, palette, transparency }: PngHeader,
  channels: number,
  lumas: Uint8Array,
  alpha: Uint8Array | undefined,
): RowWriter {
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
  // 16-bit samples (their high byte, as sharp makes 8 bits of them), and grey or RGB with a see-through colour (tRNS).
  const colour = channels >= 3;
  const bytes = bitDepth >> 3;
  const sample = (raw: Uint8Array, j: number) => (bytes === 2 ? (raw[j] << 8) | raw[j + 1] : raw[j]);
  const key = transparency
    ? Array.from({ length: transparency.length / 2 }, (_, c) => (transparency[2 * c] << 8) | transparency[2 * c + 1])
    : undefined;
  return (raw, from, count, out, step) => {
    for (let x = 0, j = from, o = out; x < count; x++, j += channels * bytes, o += step) {
      lumas[o] = colour ? luma(raw[j], raw[j + bytes], raw[j + 2 * bytes]) : raw[j];
      if (!alpha) continue;
      if (key) alpha[o] = key.every((k, c) => sample(raw, j + c * bytes) === k) ? 0 : 255;
      else alpha[o] = raw[j + (channels - 1) * bytes];
    }
  };
}
