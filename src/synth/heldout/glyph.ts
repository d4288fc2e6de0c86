// One MNIST digit as a writer might put it on a line: scaled, slanted and turned by one affine map in libvips, its
// strokes made heavier or lighter by a blur and a contrast stretch, then cropped to its ink. White ink on black.
import sharp, { type Sharp } from 'sharp';

/** White-on-black ink, one byte per pixel. */
export interface Ink {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface GlyphStyle {
  /** Pixels per MNIST pixel (MNIST's digits are 20 px tall: factor = height ÷ 20). */
  scale: number;
  /** Horizontal shear (x += shear × (centre − y)): a forward slant is positive. */
  shear: number;
  /** Degrees, clockwise. */
  angle: number;
  /** −1 (a fine pen, strokes thinned) … 0 (as scanned) … 1 (a felt tip or a finger). */
  weight: number;
}

/** Ink at or above this is part of the digit when cropping (faint blur halo left out). */
const INK = 24;

export function cropInk(ink: Ink, threshold = INK): Ink & { left: number; top: number } {
  let [x0, y0, x1, y1] = [ink.width, ink.height, -1, -1];
  for (let y = 0; y < ink.height; y++) {
    for (let x = 0; x < ink.width; x++) {
      if (ink.data[y * ink.width + x] < threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return { data: new Uint8Array(1), width: 1, height: 1, left: 0, top: 0 };
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) data.set(ink.data.subarray((y0 + y) * ink.width + x0, (y0 + y) * ink.width + x0 + width), y * width);
  return { data, width, height, left: x0, top: y0 };
}

const raw = (ink: Ink) =>
  sharp(Buffer.from(ink.data.buffer, ink.data.byteOffset, ink.data.length), { raw: { width: ink.width, height: ink.height, channels: 1 } });

async function toInk(pipeline: Sharp): Promise<Ink> {
  const { data, info } = await pipeline.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

export async function styleGlyph(mnist28: Uint8Array, style: GlyphStyle): Promise<Ink> {
  const rad = (style.angle * Math.PI) / 180;
  const [c, s] = [Math.cos(rad), Math.sin(rad)];
  // rotation · shear · scale, as one map (x' = a·x + b·y, y' = c·x + d·y): one resampling, no stacked blur.
  const k = style.scale;
  const matrix: [number, number, number, number] = [c * k, (c * -style.shear - s) * k, s * k, (s * -style.shear + c) * k];
  const pad = 4; // room for the turned corners before libvips sizes the output
  const padded = raw({ data: mnist28, width: 28, height: 28 }).extend({
    top: pad,
    bottom: pad,
    left: pad,
    right: pad,
    background: '#000000',
  });
  let ink = await toInk(padded.affine(matrix, { background: '#000000', interpolator: sharp.interpolators.bicubic }));
  if (Math.abs(style.weight) > 0.05) {
    // A heavier pen: blur, then stretch so the blurred rim counts as ink. A lighter one: stretch down so the rim drops.
    const sigma = 0.4 + Math.abs(style.weight) * 0.05 * k * 20 * 0.25;
    const [gain, offset] = style.weight > 0 ? [1.4 + 1.6 * style.weight, -10] : [1.3, -160 * -style.weight];
    ink = await toInk(raw(ink).blur(sigma).linear(gain, offset));
  }
  return cropInk(ink);
}
