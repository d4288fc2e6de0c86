// A line of ink as the picture someone sends: dark ink on paper (uneven light, a shadow, grain, blur), a phone photo
// of it (tilted, JPEG), or white strokes on a transparent canvas. Most are made here as the decoded greyscale picture
// directly (cheap); photos are encoded as JPEG by sharp and decoded again the way /read decodes an upload.
import sharp from 'sharp';
import type { Grey } from '../../imaging/mnist-normalise.js';
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

/** Paper's light, per pixel of a line's picture: a level, a fall-off across the sheet and perhaps a soft-edged shadow. */
function lighting(line: InkLine, rng: Rng): Float32Array {
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
  const light = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const v = y / height - 0.5;
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      let l = 1 - fall * (0.5 + 0.7 * (u * cx + v * cy));
      if (shadow) l *= 1 - shadow / (1 + Math.exp(-((u * sx + v * sy - shadowAt) / softness)));
      light[y * width + x] = l;
    }
  }
  return light;
}

/** Dark ink on lit paper, with grain and (optionally) a blur: the decoded greyscale picture (RGB luma). */
function paperLevels(line: InkLine, rng: Rng, grain: number): Uint8Array {
  const paper = between(rng, 170, 250);
  const inkLevel = between(rng, 0, Math.min(110, paper - 70));
  const light = lighting(line, rng);
  const out = new Uint8Array(line.width * line.height);
  const depth = (paper - inkLevel) / 255;
  for (let i = 0; i < out.length; i++) out[i] = clamp((paper - depth * line.ink[i]) * light[i] + grain * (rng() + rng() - 1));
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
  const kernel = Float32Array.from(k, (v) => v / sum);
  const taps = 2 * r + 1;
  // Rows, then columns, each through a line padded with r clamped pixels at both ends: no bounds checks per tap.
  const tmp = new Float32Array(width * height);
  const row = new Float32Array(width + 2 * r);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    for (let i = 0; i < width + 2 * r; i++) row[i] = data[base + Math.min(width - 1, Math.max(0, i - r))];
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let j = 0; j < taps; j++) v += kernel[j] * row[x + j];
      tmp[base + x] = v;
    }
  }
  const out = new Uint8Array(width * height);
  const column = new Float32Array(height + 2 * r);
  for (let x = 0; x < width; x++) {
    for (let i = 0; i < height + 2 * r; i++) column[i] = tmp[Math.min(height - 1, Math.max(0, i - r)) * width + x];
    for (let y = 0; y < height; y++) {
      let v = 0;
      for (let j = 0; j < taps; j++) v += kernel[j] * column[y + j];
      out[y * width + x] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return out;
}
