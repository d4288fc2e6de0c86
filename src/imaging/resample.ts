// Resizing a greyscale map, so that both decoding paths (pure-JS PNG and sharp) share one resampler and give the same
// tensor. Separable: each axis gets a list of (first input index, weights) per output index, worked out here; the two
// passes over the pixels run in WebAssembly (assembly/normalise.ts), with the same double arithmetic in the same order as
// JavaScript would do them (docs/performance.md).
import { kernelBytes, kernels } from './wasm-kernels.js';

interface Taps {
  start: number;
  weights: number[];
}

/** Downscaling averages the input span each output pixel covers (area filter: no aliasing, the MNIST way); upscaling
 * interpolates linearly between the two nearest input pixel centres. */
export function axisTaps(from: number, to: number): Taps[] {
  const scale = from / to;
  const taps: Taps[] = [];
  for (let j = 0; j < to; j++) {
    if (scale >= 1) {
      const lo = j * scale;
      const hi = lo + scale;
      const start = Math.floor(lo);
      const weights = [];
      for (let i = start; i < Math.min(from, Math.ceil(hi)); i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / scale);
      taps.push({ start, weights });
    } else {
      const x = Math.min(from - 1, Math.max(0, (j + 0.5) * scale - 0.5));
      const start = Math.min(Math.floor(x), from - 2);
      taps.push(from === 1 ? { start: 0, weights: [1] } : { start, weights: [1 - (x - start), x - start] });
    }
  }
  return taps;
}

/** `src` (width × height bytes) resized to toWidth × toHeight bytes. */
export function resample(src: Uint8Array, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  const at = kernels.heapBase();
  kernelBytes(at + src.length).set(src, at);
  return resampleInKernels(at, width, height, toWidth, toHeight);
}

const align8 = (n: number) => (n + 7) & ~7;

/** The same for a map already in the kernels' memory at `at`; what follows it there is overwritten. */
export function resampleInKernels(at: number, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  const rows = align8(at + width * height);
  const out = rows + 4 * toWidth * height;
  const xs = layTaps(width, toWidth, align8(out + toWidth * toHeight));
  const ys = layTaps(height, toHeight, xs.end);
  kernels.resample(
    at,
    width,
    height,
    toWidth,
    toHeight,
    xs.start,
    xs.count,
    xs.weights,
    xs.span,
    ys.start,
    ys.count,
    ys.weights,
    ys.span,
    rows,
    out,
  );
  return kernelBytes(0).slice(out, out + toWidth * toHeight);
}

/** One axis's taps as the kernel reads them: i32 first inputs, i32 counts, then `span` f64 weights per output. */
interface LaidTaps {
  starts: Int32Array;
  counts: Int32Array;
  weights: Float64Array;
  span: number;
}

/** Laid-out taps by axis size (from × 2^26 + to): the reader resamples pieces of a few sizes over and over, and working
 * the taps out again in JavaScript cost about as much as the kernel's passes. Bounded: emptied when full (an entry is
 * ~8 × (from + 2 × to) bytes, so 256 of a 2,048 px page's sizes stay under 5 MB). */
const LAID = new Map<number, LaidTaps>();
const LAID_MAX = 256;

function laidTaps(from: number, to: number): LaidTaps {
  const key = from * 2 ** 26 + to;
  let laid = LAID.get(key);
  if (laid) return laid;
  const taps = axisTaps(from, to);
  const span = Math.max(...taps.map((t) => t.weights.length));
  laid = { starts: new Int32Array(taps.length), counts: new Int32Array(taps.length), weights: new Float64Array(span * taps.length), span };
  for (const [j, t] of taps.entries()) {
    laid.starts[j] = t.start;
    laid.counts[j] = t.weights.length;
    laid.weights.set(t.weights, j * span);
  }
  if (LAID.size >= LAID_MAX) LAID.clear();
  LAID.set(key, laid);
  return laid;
}

/** One axis's taps (from → to) written at `at` for the kernel. */
function layTaps(from: number, to: number, at: number) {
  const { starts, counts, weights: values, span } = laidTaps(from, to);
  const start = at;
  const count = start + 4 * starts.length;
  const weights = align8(count + 4 * starts.length);
  const end = weights + 8 * values.length;
  const memory = kernelBytes(end);
  memory.set(new Uint8Array(starts.buffer), start);
  memory.set(new Uint8Array(counts.buffer), count);
  memory.set(new Uint8Array(values.buffer), weights);
  return { start, count, weights, span, end };
}
