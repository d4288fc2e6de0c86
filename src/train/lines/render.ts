// A line of ink as the picture someone sends: dark ink on paper (uneven light, a shadow, grain, blur), a phone photo
// of it (tilted, JPEG), or white strokes on a transparent canvas. Most are made here as the decoded greyscale picture
// directly (cheap); photos are encoded as JPEG by sharp and decoded again the way /read decodes an upload.
import sharp from 'sharp';
import type { Grey } from '../../server/preprocess/mnist-normalise.js';
import type { InkLine } from './compose.js';
import { between, chance, type Rng } from './ink-ops.js';

export type Medium = 'paper' | 'photo' | 'canvas';

export function drawMedium(rng: Rng): Medium {
  const r = rng();
  return r < 0.55 ? 'paper' : r < 0.7 ? 'photo' : 'canvas';
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

function extremes(data: Uint8Array): { lo: number; hi: number } {
  let lo = 255;
  let hi = 0;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/** White strokes on a transparent canvas, as greyOf reads one: its alpha is the ink. */
export function canvasGrey(line: InkLine, rng: Rng): Grey {
  // A soft brush leaves its edges half transparent; a hard one does not.
  const data = chance(rng, 0.5) ? blur(line.ink, line.width, line.height, between(rng, 0.3, 1)) : line.ink.slice();
  return { data, width: line.width, height: line.height, alphaIsInk: true, ...extremes(data) };
}

/** Paper's light: a level, a fall-off across the sheet and perhaps a soft-edged shadow, per pixel. */
function lighting(line: InkLine, rng: Rng): (x: number, y: number) => number {
  const fall = chance(rng, 0.6) ? between(rng, 0, 0.4) : 0;
  const angle = between(rng, 0, 2 * Math.PI);
  const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
  // A soft shadow (a hand, a phone): a hard-edged one is left as ink by any paper estimate, /read's included.
  const shadow = chance(rng, 0.2) ? between(rng, 0.1, 0.35) : 0;
  const shadowAngle = between(rng, 0, 2 * Math.PI);
  const [sx, sy] = [Math.cos(shadowAngle), Math.sin(shadowAngle)];
  const shadowAt = between(rng, -0.3, 0.3);
  const softness = between(rng, 0.1, 0.3);
  const { width, height } = line;
  return (x, y) => {
    const u = x / width - 0.5;
    const v = y / height - 0.5;
    let light = 1 - fall * (0.5 + 0.7 * (u * cx + v * cy));
    if (shadow) light *= 1 - shadow / (1 + Math.exp(-((u * sx + v * sy - shadowAt) / softness)));
    return light;
  };
}

/** Dark ink on lit paper, with grain and (optionally) a blur: the decoded greyscale picture (RGB luma). */
function paperLevels(line: InkLine, rng: Rng, grain: number): Uint8Array {
  const paper = between(rng, 170, 250);
  const inkLevel = between(rng, 0, Math.min(110, paper - 70));
  const light = lighting(line, rng);
  const out = new Uint8Array(line.width * line.height);
  for (let y = 0; y < line.height; y++) {
    for (let x = 0; x < line.width; x++) {
      const i = y * line.width + x;
      const l = light(x, y);
      out[i] = clamp((paper - ((paper - inkLevel) * line.ink[i]) / 255) * l + grain * (rng() + rng() - 1));
    }
  }
  return chance(rng, 0.6) ? blur(out, line.width, line.height, between(rng, 0.3, 1.3)) : out;
}

export function paperGrey(line: InkLine, rng: Rng): Grey {
  const data = paperLevels(line, rng, chance(rng, 0.7) ? between(rng, 0, 14) : 0);
  return { data, width: line.width, height: line.height, alphaIsInk: false, ...extremes(data) };
}

/** A phone photo of the paper: a little warm, JPEG-compressed (to be decoded as an upload). */
export async function photoJpeg(line: InkLine, rng: Rng): Promise<Buffer> {
  const grey = paperLevels(line, rng, between(rng, 2, 12));
  const rgb = new Uint8Array(line.width * line.height * 3);
  const warm = between(rng, 0, 12);
  for (let i = 0; i < grey.length; i++) rgb.set([grey[i], clamp(grey[i] - warm / 3), clamp(grey[i] - warm)], 3 * i);
  return sharp(Buffer.from(rgb), { raw: { width: line.width, height: line.height, channels: 3 } })
    .jpeg({ quality: Math.round(between(rng, 45, 92)) })
    .toBuffer();
}

/** A separable Gaussian blur of standard deviation `sigma` (kernel radius ⌈2σ⌉), edges clamped. */
export function blur(data: Uint8Array, width: number, height: number, sigma: number): Uint8Array {
  const r = Math.max(1, Math.ceil(2 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kernel = k.map((v) => v / sum);
  const tmp = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let j = -r; j <= r; j++) v += kernel[j + r] * data[y * width + Math.min(width - 1, Math.max(0, x + j))];
      tmp[y * width + x] = v;
    }
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let j = -r; j <= r; j++) v += kernel[j + r] * tmp[Math.min(height - 1, Math.max(0, y + j)) * width + x];
      out[y * width + x] = clamp(v);
    }
  }
  return out;
}
