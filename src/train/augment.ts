// Light augmentation for the loader: a random translation, the cheapest distortion that reliably helps on MNIST.
import { PIXELS } from './mnist.js';

/** Writes image `src` (28×28 bytes) into `out` at `offset` as floats in [0,1], moved by (dx, dy), zero-filled. */
export function shiftedInto(out: Float32Array, offset: number, src: Uint8Array, dx: number, dy: number): void {
  out.fill(0, offset, offset + PIXELS);
  for (let y = Math.max(0, dy); y < Math.min(28, 28 + dy); y++) {
    const from = (y - dy) * 28;
    const to = offset + y * 28;
    for (let x = Math.max(0, dx); x < Math.min(28, 28 + dx); x++) out[to + x] = src[from + x - dx] / 255;
  }
}
