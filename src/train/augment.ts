// Light augmentation for the loader: a random translation, the cheapest distortion that reliably helps on MNIST.
import { PIXELS, SIDE, pixelToFloat } from '../model/input-contract.js';

/** Writes image `src` (SIDE×SIDE bytes) into `out` at `offset` as the model's floats, moved by (dx, dy), zero-filled. */
export function shiftedInto(out: Float32Array, offset: number, src: Uint8Array, dx: number, dy: number): void {
  out.fill(0, offset, offset + PIXELS);
  for (let y = Math.max(0, dy); y < Math.min(SIDE, SIDE + dy); y++) {
    const from = (y - dy) * SIDE;
    const to = offset + y * SIDE;
    for (let x = Math.max(0, dx); x < Math.min(SIDE, SIDE + dx); x++) out[to + x] = pixelToFloat(src[from + x - dx]);
  }
}
