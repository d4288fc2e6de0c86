// Real MNIST test digits rendered the ways people actually send them (for tests, benchmarks and the rollout check).
import sharp from 'sharp';
import type { Split } from './mnist-split.js';

const raw28 = (pixels: Uint8Array) => sharp(Buffer.from(pixels), { raw: { width: 28, height: 28, channels: 1 } });
const digit = (split: Split, i: number) => split.images.subarray(i * 784, (i + 1) * 784);

export const variants = {
  /** The MNIST image itself, as a 28×28 greyscale PNG. */
  plain: (split: Split, i: number) => raw28(digit(split, i)).png().toBuffer(),
  /** Black ink on white paper. */
  inverted: (split: Split, i: number) =>
    raw28(digit(split, i).map((v) => 255 - v))
      .png()
      .toBuffer(),
  /** Scaled up to 280×280 RGB. */
  rgb280: (split: Split, i: number) => raw28(digit(split, i)).resize(280, 280).toColourspace('srgb').png().toBuffer(),
  /** Black strokes on a transparent canvas, as a browser canvas exports them. */
  rgbaTransparent: (split: Split, i: number) => {
    const d = digit(split, i);
    const rgba = new Uint8Array(784 * 4);
    d.forEach((v, k) => (rgba[4 * k + 3] = v));
    return sharp(Buffer.from(rgba), { raw: { width: 28, height: 28, channels: 4 } })
      .resize(140, 140)
      .png()
      .toBuffer();
  },
  /** Small and off-centre on a large white page. */
  smallOffCentre: async (split: Split, i: number) => {
    const ink = await raw28(digit(split, i).map((v) => 255 - v))
      .png()
      .toBuffer();
    return sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
      .composite([{ input: ink, left: 40, top: 210 }])
      .png()
      .toBuffer();
  },
};
