// AssemblyScript, compiled to WebAssembly with SIMD by `npm run build:wasm` (scripts/build-wasm.ts), which writes
// src/imaging/kernels-wasm.ts: one module of the per-byte loops of imaging, from decoding a PNG (png.ts) to normalising
// a digit (normalise.ts), finding a line's strokes (strokes.ts) and levelling a line for the line model (line.ts). Why
// not JavaScript: a plain JS byte loop costs ~2–5 ns a byte here, and a 280×280 drawing is 235–314 KB of them
// (docs/performance.md). The callers lay out the memory and check every size; these functions only read and write
// inside the spans they give them.
export { toLuma, unfilter } from './png';
export { cropMap, inkBox, resample } from './normalise';
export { columnMoments, level, maxByte } from './line';
export { columnInk, strokeRuns } from './strokes';

/** Where the caller may start laying out its data: after this module's own static data. */
export function heapBase(): usize {
  return __heap_base;
}
