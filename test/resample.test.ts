// The resampler's WebAssembly passes (assembly/normalise.ts, two rows or two columns a step in f64x2 lanes) give the
// bytes its definition gives when read plainly in JavaScript: per axis the taps of axisTaps, the horizontal pass to
// float32, then the vertical pass rounded as Math.round and clamped to 0..255.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { axisTaps, resample } from '../src/imaging/resample.js';
import { createRng } from '../src/model/random.js';

function reference(src: Uint8Array, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  const xs = axisTaps(width, toWidth);
  const ys = axisTaps(height, toHeight);
  const rows = new Float32Array(toWidth * height);
  for (let y = 0; y < height; y++) {
    for (let j = 0; j < toWidth; j++) {
      let sum = 0;
      xs[j].weights.forEach((w, k) => (sum += w * src[y * width + xs[j].start + k]));
      rows[y * toWidth + j] = sum;
    }
  }
  const out = new Uint8Array(toWidth * toHeight);
  for (let i = 0; i < toHeight; i++) {
    for (let x = 0; x < toWidth; x++) {
      let sum = 0;
      ys[i].weights.forEach((w, k) => (sum += w * rows[(ys[i].start + k) * toWidth + x]));
      out[i * toWidth + x] = Math.min(255, Math.max(0, Math.round(sum)));
    }
  }
  return out;
}

describe('resample', () => {
  it('gives the plain two-pass definition to the bit, shrinking and growing, on odd and even sizes', () => {
    const rng = createRng(2612);
    for (let n = 0; n < 300; n++) {
      const [width, height] = [1 + Math.floor(rng() * 90), 1 + Math.floor(rng() * 70)];
      const [toWidth, toHeight] =
        n % 2
          ? [1 + Math.floor(rng() * 40), 1 + Math.floor(rng() * 30)]
          : [1 + Math.floor(rng() * 2 * width), 1 + Math.floor(rng() * 2 * height)];
      // Paper with strokes: runs of zeros (the lanes' paper) beside ink at every level.
      const src = Uint8Array.from({ length: width * height }, () => (rng() < 0.5 ? 0 : Math.floor(rng() * 256)));
      assert.deepEqual(
        resample(src, width, height, toWidth, toHeight),
        reference(src, width, height, toWidth, toHeight),
        `${width}×${height} → ${toWidth}×${toHeight}`,
      );
    }
  });
});
