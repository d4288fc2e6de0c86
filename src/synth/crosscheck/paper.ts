// Ink on a sheet of paper: tint, printed rules or a grid at times, the ink's colour and grain, as a scan shows them.
import type { InkLine } from './line.js';
import { drawInk, drawPaper, drawRule, type Rgb } from './palette.js';
import { blur, clamp, createLayer, resize, rotateLayer, smoothField, type Layer } from './raster.js';
import type { Rng } from './rng.js';

export interface Sheet {
  planes: [Layer, Layer, Layer];
  /** Where the ink's box lies on the sheet, for a photo to frame. */
  inkBox: { x: number; y: number; width: number; height: number };
}

export interface SheetOptions {
  /** Margins round the ink as shares of the digit height: [least, most]. */
  margin: [number, number];
  maxWidth: number;
  maxHeight: number;
  tilt: number;
  pencil: boolean;
}

/** Lays `line` on a sheet of paper. */
export function paperSheet(line: InkLine, rng: Rng, options: SheetOptions): Sheet {
  let ink = rotateLayer(line.ink, options.tilt);
  const H = line.height;
  const [lo, hi] = options.margin;
  const m = () => Math.round(H * rng.uniform(lo, hi)) + 2;
  let left = m();
  let right = m();
  let top = m();
  let bottom = m();
  const over = Math.max((ink.width + left + right) / options.maxWidth, (ink.height + top + bottom) / options.maxHeight);
  let scale = 1;
  if (over > 1) {
    // Wider than a picture may be: shrink all of it, as a scanner at a lower resolution would.
    scale = 1 / over;
    ink = resize(ink, Math.floor(ink.width * scale), Math.floor(ink.height * scale));
    [left, right, top, bottom] = [left, right, top, bottom].map((v) => Math.floor(v * scale));
  }
  const width = Math.min(options.maxWidth, ink.width + left + right);
  const height = Math.min(options.maxHeight, ink.height + top + bottom);
  const paper = drawPaper(rng);
  const planes: [Layer, Layer, Layer] = [createLayer(width, height), createLayer(width, height), createLayer(width, height)];
  const tint = smoothField(rng, 3, Math.max(width, height)).grid(width, height);
  const tintDepth = rng.uniform(0, 5);
  for (let i = 0; i < width * height; i++) for (let c = 0; c < 3; c++) planes[c].data[i] = paper[c] + tintDepth * tint.data[i];
  // The baseline after the tilt, near enough: rules sit under the writing, a little off.
  const baseline = top + (line.baseline * scale - (line.ink.height * scale) / 2) * Math.cos(options.tilt) + ink.height / 2;
  const ruling = rng.weighted([
    ['plain', 62],
    ['rules', 26],
    ['grid', 12],
  ] as const);
  if (ruling !== 'plain') {
    const colour = drawRule(rng);
    const alpha = rng.uniform(0.35, 0.75);
    const thick = rng.uniform(0.8, 1.8);
    const step = H * scale * (ruling === 'rules' ? rng.uniform(1.3, 2.1) : rng.uniform(0.55, 1.0));
    const start = baseline + H * scale * rng.uniform(-0.04, 0.1);
    for (let k = -40; k <= 40; k++) {
      const y = start + k * step;
      if (y > -thick && y < height + thick) hline(planes, y, thick, colour, alpha);
    }
    if (ruling === 'grid') {
      const x0 = rng.uniform(0, step);
      for (let x = x0; x < width; x += step) vline(planes, x, thick, colour, alpha);
    }
  }
  const colour = drawInk(rng, options.pencil);
  const strength = options.pencil ? rng.uniform(0.7, 0.9) : rng.uniform(0.85, 1);
  for (let y = 0; y < ink.height; y++)
    for (let x = 0; x < ink.width; x++) {
      const xx = x + left;
      const yy = y + top;
      if (xx >= width || yy >= height) continue;
      let a = ink.data[y * ink.width + x] * strength;
      if (a <= 0) continue;
      // Graphite and a dry ballpoint leave grain: the paper's tooth shows through the stroke.
      if (options.pencil) a *= 0.7 + 0.3 * rng.next();
      a = clamp(a, 0, 1);
      const i = yy * width + xx;
      for (let c = 0; c < 3; c++) planes[c].data[i] = planes[c].data[i] * (1 - a) + colour[c] * a;
    }
  return { planes, inkBox: { x: left, y: top, width: ink.width, height: ink.height } };
}

/** Draws a horizontal printed rule at row y (antialiased), blended over the paper. */
function hline(planes: Layer[], y: number, thick: number, colour: Rgb, alpha: number) {
  const { width, height } = planes[0];
  for (let row = Math.max(0, Math.floor(y - thick)); row <= Math.min(height - 1, Math.ceil(y + thick)); row++) {
    const cover = clamp(thick / 2 + 0.5 - Math.abs(row + 0.5 - y), 0, 1) * alpha;
    if (cover <= 0) continue;
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) blend(planes[c].data, row * width + x, colour[c], cover);
  }
}

function vline(planes: Layer[], x: number, thick: number, colour: Rgb, alpha: number) {
  const { width, height } = planes[0];
  for (let col = Math.max(0, Math.floor(x - thick)); col <= Math.min(width - 1, Math.ceil(x + thick)); col++) {
    const cover = clamp(thick / 2 + 0.5 - Math.abs(col + 0.5 - x), 0, 1) * alpha;
    if (cover <= 0) continue;
    for (let y = 0; y < height; y++) for (let c = 0; c < 3; c++) blend(planes[c].data, y * width + col, colour[c], cover);
  }
}

/** Printed rules lie under the ink: they darken the paper, never lighten what is darker already. */
function blend(data: Float32Array, i: number, value: number, cover: number) {
  data[i] = Math.min(data[i], data[i] * (1 - cover) + value * cover);
}

/** A scanner's softness and sensor grain over the whole sheet. */
export function scanFinish(planes: Layer[], rng: Rng, sigma: number, noise: number): void {
  for (const plane of planes) blur(plane, sigma);
  const { width, height } = planes[0];
  // Two uniforms summed make a near-normal grain at a fraction of the cost of Box–Muller for every pixel.
  const spread = noise * Math.sqrt(6);
  const chroma = noise * 0.6;
  const [first, , last] = planes;
  for (let i = 0; i < width * height; i++) {
    const shared = (rng.next() + rng.next() - 1) * spread;
    for (const plane of planes) plane.data[i] += shared;
    // Colour grain: red and blue apart, as a Bayer sensor's demosaicing leaves it.
    if (last) {
      const tint = (rng.next() - 0.5) * chroma;
      first.data[i] += tint;
      last.data[i] -= tint;
    }
  }
}
