// The WebAssembly kernels (assembly/, built into kernels-wasm.ts): one instance per thread, shared by the
// PNG decoder (png-grey.ts), normalisation (mnist-normalise.ts) and units' own ink (unit-ink.ts). Callers
// lay out their data from heapBase() on and use it synchronously, so one call's layout never meets another's.
import { KERNELS_WASM } from './kernels-wasm.js';

interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  unfilter(raw: number, height: number, stride: number, bpp: number): number;
  toLuma(raw: number, width: number, height: number, channels: number, lumas: number, alpha: number): number;
  inkBox(data: number, width: number, height: number, above: number, below: number, box: number): void;
  cropMap(data: number, width: number, left: number, top: number, boxWidth: number, boxHeight: number, level: number, out: number): void;
  resample(
    src: number,
    width: number,
    height: number,
    toWidth: number,
    toHeight: number,
    xStart: number,
    xCount: number,
    xWeights: number,
    xSpan: number,
    yStart: number,
    yCount: number,
    yWeights: number,
    ySpan: number,
    rows: number,
    out: number,
  ): void;
  columnInk(ink: number, stride: number, width: number, height: number, stroke: number, mine: number, out: number): void;
  strokeRuns(data: number, width: number, height: number, threshold: number, runs: number, rowEnds: number): number;
  columnMoments(src: number, width: number, height: number, top: number, masses: number, moments: number): void;
  maxByte(data: number, n: number): number;
  level(src: number, width: number, height: number, outHeight: number, wholes: number, keeps: number, fracs: number, out: number): void;
}

export const kernels = new WebAssembly.Instance(new WebAssembly.Module(KERNELS_WASM)).exports as unknown as Kernels;

/** The most the kernels' memory may grow to: a picture's inflated rows and two output planes (a 1024×512 RGBA page
 * takes 3 MB). */
export const WASM_MAX_BYTES = 8 << 20;
const PAGE = 65_536;

/** The kernels' memory as bytes, grown first (never beyond WASM_MAX_BYTES, which callers check) to hold `end` bytes. */
export function kernelBytes(end: number): Uint8Array {
  const needed = end - kernels.memory.buffer.byteLength;
  if (needed > 0) kernels.memory.grow(Math.ceil(needed / PAGE));
  return new Uint8Array(kernels.memory.buffer);
}
