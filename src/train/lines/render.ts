// A line of ink as the picture someone sends: dark ink on paper (grey or tinted, uneven light, shadows, grain, blur,
// low contrast), a phone photo of it (coloured paper and ink, low resolution, JPEG down to poor quality), or white
// strokes on a transparent canvas. Most are made here as the decoded greyscale picture
// directly (cheap); photos are encoded as JPEG by sharp and decoded again the way /read decodes an upload.
import sharp from 'sharp';
import type { Grey } from '../../imaging/mnist-normalise.js';
import type { InkLine } from './compose.js';
import { between, chance, type Rng } from './ink-ops.js';

export type Medium = 'paper' | 'photo' | 'canvas';

export function drawMedium(rng: Rng): Medium {
  const r = rng();
  return r < 0.45 ? 'paper' : r < 0.77 ? 'photo' : 'canvas';
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
  // A soft brush leaves its edges half transparent; a hard one does not; a brush at part opacity never reaches 255.
  const data = chance(rng, 0.5) ? blur(line.ink, line.width, line.height, between(rng, 0.3, 1)) : line.ink.slice();
  if (chance(rng, 0.2)) {
    const opacity = between(rng, 0.35, 0.9);
    for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i] * opacity);
  }
  return { data, width: line.width, height: line.height, alphaIsInk: true, ...extremes(data) };
}

/** Paper's light, per pixel of a line's picture: a level, a fall-off across the sheet, a darker rim, and perhaps one
 * or two soft-edged shadows (a hand, a phone). */
function lighting(line: InkLine, rng: Rng): Float32Array {
  const fall = chance(rng, 0.7) ? between(rng, 0, 0.45) : 0;
  const angle = between(rng, 0, 2 * Math.PI);
  const [cx, cy] = [Math.cos(angle), Math.sin(angle)];
  const vignette = chance(rng, 0.3) ? between(rng, 0.1, 0.3) : 0;
  // A hard-edged shadow is left as ink by any paper estimate, /read's included: the softest edge is 6 % of the sheet.
  const shadows = Array.from({ length: chance(rng, 0.35) ? (chance(rng, 0.3) ? 2 : 1) : 0 }, () => {
    const a = between(rng, 0, 2 * Math.PI);
    const depth = between(rng, 0.1, 0.4);
    return { depth, sx: Math.cos(a), sy: Math.sin(a), at: between(rng, -0.35, 0.35), soft: between(rng, 0.06, 0.3) };
  });
  const { width, height } = line;
  const light = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const v = y / height - 0.5;
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      let l = 1 - fall * (0.5 + 0.7 * (u * cx + v * cy));
      if (vignette) l *= 1 - vignette * 2 * (u * u + v * v);
      for (const s of shadows) l *= 1 - s.depth / (1 + Math.exp(-((u * s.sx + v * s.sy - s.at) / s.soft)));
      light[y * width + x] = l;
    }
  }
  return light;
}

/** A sheet's colours (RGB), light, grain and blur, drawn once per picture. */
interface Sheet {
  paper: [number, number, number];
  ink: [number, number, number];
  light: Float32Array;
  grain: number;
  blur: number;
}

function drawSheet(line: InkLine, rng: Rng, grain: number, colour: boolean): Sheet {
  // White to grey paper; a photo's may be tinted (yellow, blue, pink, green pads). Darker paper under a shadow would
  // read as white ink on black (polarity from the border), a picture /read cannot take: the paper stays light.
  const level = chance(rng, 0.2) ? between(rng, 150, 185) : between(rng, 185, 250);
  const tint = colour && chance(rng, 0.35) ? [between(rng, -40, 15), between(rng, -40, 15), between(rng, -40, 15)] : [0, 0, 0];
  const paper = tint.map((t) => Math.min(255, level + t)) as [number, number, number];
  // Ink well below the paper, or (a pencil, a faded pen) only 45–80 levels below it.
  const lowest = Math.min(...paper);
  const depth = chance(rng, 0.15) ? between(rng, 45, 80) : between(rng, 80, Math.max(81, lowest));
  const shade = lowest - depth;
  const hue = colour && chance(rng, 0.35) ? [between(rng, 0, 60), between(rng, 0, 60), between(rng, 40, 120)] : [0, 0, 0];
  // A blue or red pen: its colour never brighter than the paper less most of the ink's depth.
  const ink = hue.map((h, c) => Math.max(0, Math.min(paper[c] - 0.7 * depth, shade + h))) as [number, number, number];
  const blurred = chance(rng, 0.6) ? (chance(rng, 0.15) ? between(rng, 1.3, 2) : between(rng, 0.3, 1.3)) : 0;
  return { paper, ink, light: lighting(line, rng), grain, blur: blurred };
}

/** One channel of the sheet: paper where there is no ink, the ink's colour where there is, lit and grained. */
function channel(line: InkLine, sheet: Sheet, c: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(line.width * line.height);
  const [p, k] = [sheet.paper[c], sheet.ink[c]];
  for (let i = 0; i < out.length; i++) {
    const a = line.ink[i] / 255;
    out[i] = clamp((p + (k - p) * a) * sheet.light[i] + sheet.grain * (rng() + rng() - 1));
  }
  return sheet.blur ? blur(out, line.width, line.height, sheet.blur) : out;
}

export function paperGrey(line: InkLine, rng: Rng): Grey {
  const sheet = drawSheet(line, rng, chance(rng, 0.7) ? between(rng, 0, 18) : 0, false);
  const data = channel(line, sheet, 0, rng);
  return { data, width: line.width, height: line.height, alphaIsInk: false, ...extremes(data) };
}

/** A phone photo of the paper: coloured paper and ink, sometimes at a lower resolution, JPEG-compressed (to be decoded
 * as an upload). */
export async function photoJpeg(line: InkLine, rng: Rng): Promise<Buffer> {
  const sheet = drawSheet(line, rng, between(rng, 2, 16), true);
  const warm = between(rng, 0, 12);
  const planes = [0, 1, 2].map((c) => channel(line, sheet, c, rng));
  const rgb = new Uint8Array(line.width * line.height * 3);
  for (let i = 0; i < planes[0].length; i++) {
    rgb[3 * i] = planes[0][i];
    rgb[3 * i + 1] = clamp(planes[1][i] - warm / 3);
    rgb[3 * i + 2] = clamp(planes[2][i] - warm);
  }
  let picture = sharp(Buffer.from(rgb), { raw: { width: line.width, height: line.height, channels: 3 } });
  // A small photo: fewer pixels than ink detail, as a far camera or a thumbnail gives (digits still ≥ ~12 px tall).
  const scale = chance(rng, 0.25) ? Math.max(between(rng, 0.5, 0.9), 12 / Math.max(12, line.height / 2)) : 1;
  if (scale < 1) picture = picture.resize(Math.max(8, Math.round(line.width * scale)), Math.max(8, Math.round(line.height * scale)));
  const quality = Math.round(chance(rng, 0.3) ? between(rng, 15, 45) : between(rng, 45, 92));
  return picture.jpeg({ quality }).toBuffer();
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
