// Resizing a greyscale map in TypeScript, so that both decoding paths (pure-JS PNG and sharp) share one resampler and
// give the same tensor. Separable: each axis gets a list of (first input index, weights) per output index.

interface Taps {
  start: number;
  weights: number[];
}

/** Downscaling averages the input span each output pixel covers (area filter: no aliasing, the MNIST way); upscaling
 * interpolates linearly between the two nearest input pixel centres. */
function axisTaps(from: number, to: number): Taps[] {
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
  const xs = axisTaps(width, toWidth);
  const ys = axisTaps(height, toHeight);
  const rows = new Float32Array(toWidth * height); // horizontal pass
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < toWidth; j++) {
      const { start, weights } = xs[j];
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k] * src[y * width + start + k];
      rows[y * toWidth + j] = sum;
    }
  }
  const out = new Uint8Array(toWidth * toHeight); // vertical pass
  for (let i = 0; i < toHeight; i++) {
    const { start, weights } = ys[i];
    for (let x = 0; x < toWidth; x++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += weights[k] * rows[(start + k) * toWidth + x];
      out[i * toWidth + x] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  }
  return out;
}
