// Resizing a greyscale map, so that both decoding paths (pure-JS PNG and sharp) share one resampler and give the same
// tensor. Separable: each axis gets a list of (first input index, weights) per output index, worked out here; the two
// passes over the pixels run in WebAssembly (assembly/png-rows.ts), with the same double arithmetic in the same order as
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
  const xs = layTaps(axisTaps(width, toWidth), align8(out + toWidth * toHeight));
  const ys = layTaps(axisTaps(height, toHeight), xs.end);
  kernels.resample(at, width, height, toWidth, toHeight, xs.start, xs.count, xs.weights, xs.span, ys.start, ys.count, ys.weights, ys.span, rows, out);
  return kernelBytes(0).slice(out, out + toWidth * toHeight);
}

/** One axis's taps written at `at` for the kernel: i32 first inputs, i32 counts, then `span` f64 weights per output. */
function layTaps(taps: Taps[], at: number) {
  const span = Math.max(...taps.map((t) => t.weights.length));
  const start = at;
  const count = start + 4 * taps.length;
  const weights = align8(count + 4 * taps.length);
  const end = weights + 8 * span * taps.length;
  const { buffer } = kernelBytes(end);
  const starts = new Int32Array(buffer, start, taps.length);
  const counts = new Int32Array(buffer, count, taps.length);
  const values = new Float64Array(buffer, weights, span * taps.length);
  taps.forEach((t, j) => {
    starts[j] = t.start;
    counts[j] = t.weights.length;
    values.set(t.weights, j * span);
  });
  return { start, count, weights, span, end };
}
