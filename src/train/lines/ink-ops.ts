// What one hand does to its strokes, as operations on ink maps (white on black, 0..255): thicker or thinner pens,
// strokes broken and pieces detached, and every affine change of shape (size, slant, rotation) as one warp.
import { resample } from '../../imaging/resample.js';
import type { Glyph } from './glyphs.js';

export type Rng = () => number;
export const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
export const chance = (rng: Rng, p: number) => rng() < p;

export function scaleGlyph(g: Glyph, width: number, height: number): Glyph {
  const w = Math.max(1, Math.round(width));
  const h = Math.max(1, Math.round(height));
  return { ...g, data: resample(g.data, g.width, g.height, w, h), width: w, height: h };
}

/** A 3×3 max (thicker pen) or min (thinner pen) filter, `times` over; thinning stops before it wipes the digit out. */
export function pen(g: Glyph, times: number): Glyph {
  let data = g.data;
  const { width, height } = g;
  const grow = times > 0;
  for (let k = 0; k < Math.abs(times); k++) {
    const out = new Uint8Array(data.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = grow ? 0 : 255;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            // Outside the map is background: thinning eats the edge as it would any stroke's.
            const s = yy < 0 || yy >= height || xx < 0 || xx >= width ? 0 : data[yy * width + xx];
            v = grow ? Math.max(v, s) : Math.min(v, s);
          }
        }
        out[y * width + x] = v;
      }
    }
    if (!grow && inkMass(out) < 0.35 * inkMass(data)) break;
    data = out;
  }
  return { ...g, data };
}

const inkMass = (data: Uint8Array) => data.reduce((s, v) => s + v, 0);

/**
 * A broken stroke: ink within `gap / 2` of a random line through the digit is lifted (a pen that skipped), and with
 * `detach` the part on one side moves by a few pixels (a 5's bar written apart, an open 4, a loop not closed).
 */
export function breakStroke(g: Glyph, rng: Rng, gap: number, detach: number): Glyph {
  const { width, height } = g;
  const cx = between(rng, 0.2, 0.8) * width;
  const cy = between(rng, 0.15, 0.85) * height;
  const angle = between(rng, 0, Math.PI);
  const [nx, ny] = [Math.cos(angle), Math.sin(angle)];
  const dx = Math.round(between(rng, -detach, detach));
  const dy = Math.round(between(rng, -detach, detach));
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = g.data[y * width + x];
      if (v === 0) continue;
      const d = (x - cx) * nx + (y - cy) * ny;
      if (Math.abs(d) < gap / 2) continue;
      const [tx, ty] = d > 0 ? [x + dx, y + dy] : [x, y];
      if (tx < 0 || ty < 0 || tx >= width || ty >= height) continue;
      out[ty * width + tx] = Math.max(out[ty * width + tx], v);
    }
  }
  return { ...g, data: out };
}

/**
 * The glyph through the affine map [a b; c d] about its centre (bilinear), on a canvas just big enough to hold it:
 * slant is a shear, rotation and size their matrices. Returns the warped ink cropped to its box.
 */
export function warp(g: Glyph, a: number, b: number, c: number, d: number): Glyph {
  const { width: w, height: h } = g;
  const corners = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [-w / 2, h / 2],
    [w / 2, h / 2],
  ].map(([x, y]) => [a * x + b * y, c * x + d * y]);
  const W = Math.max(1, Math.ceil(Math.max(...corners.map((p) => p[0])) - Math.min(...corners.map((p) => p[0]))));
  const H = Math.max(1, Math.ceil(Math.max(...corners.map((p) => p[1])) - Math.min(...corners.map((p) => p[1]))));
  const det = a * d - b * c;
  const [ia, ib, ic, id] = [d / det, -b / det, -c / det, a / det];
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const ox = x + 0.5 - W / 2;
      const oy = y + 0.5 - H / 2;
      const sx = ia * ox + ib * oy + w / 2 - 0.5;
      const sy = ic * ox + id * oy + h / 2 - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const inX0 = x0 >= 0;
      const inX1 = x0 + 1 < w;
      const top = y0 >= 0 ? y0 * w : -1;
      const bottom = y0 + 1 < h ? (y0 + 1) * w : -1;
      const p00 = top >= 0 && inX0 ? g.data[top + x0] : 0;
      const p01 = top >= 0 && inX1 ? g.data[top + x0 + 1] : 0;
      const p10 = bottom >= 0 && inX0 ? g.data[bottom + x0] : 0;
      const p11 = bottom >= 0 && inX1 ? g.data[bottom + x0 + 1] : 0;
      const v = (1 - fy) * ((1 - fx) * p00 + fx * p01) + fy * ((1 - fx) * p10 + fx * p11);
      out[y * W + x] = Math.round(v);
    }
  }
  return { ...g, data: out, width: W, height: H };
}

const smoothstep = (t: number) => t * t * (3 - 2 * t);

/**
 * A small elastic wobble of the strokes (Simard et al. 2003's kind): each pixel moves by a smooth random field of at
 * most `amplitude` pixels, interpolated from a coarse grid, on a canvas grown by the amplitude so nothing is cut off.
 */
export function elastic(g: Glyph, rng: Rng, amplitude: number): Glyph {
  const grid = 3;
  const field = Float32Array.from({ length: 2 * (grid + 1) ** 2 }, () => between(rng, -amplitude, amplitude));
  const m = Math.ceil(amplitude);
  const W = g.width + 2 * m;
  const H = g.height + 2 * m;
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const gy = (y / Math.max(1, H - 1)) * grid;
    const j = Math.min(grid - 1, Math.floor(gy));
    const ty = smoothstep(gy - j);
    for (let x = 0; x < W; x++) {
      const gx = (x / Math.max(1, W - 1)) * grid;
      const i = Math.min(grid - 1, Math.floor(gx));
      const tx = smoothstep(gx - i);
      const at = (jj: number, ii: number, k: number) => field[2 * (jj * (grid + 1) + ii) + k];
      const d = (k: number) =>
        (1 - ty) * ((1 - tx) * at(j, i, k) + tx * at(j, i + 1, k)) + ty * ((1 - tx) * at(j + 1, i, k) + tx * at(j + 1, i + 1, k));
      out[y * W + x] = sample(g, x - m + d(0), y - m + d(1));
    }
  }
  return { ...g, data: out, width: W, height: H };
}

/**
 * A sheet photographed at an angle: a keystone that narrows the picture towards one edge, by up to `kx` of its width
 * (towards the bottom when kx > 0, the top when < 0) and `ky` of its height (towards the right when ky > 0, the left
 * when < 0), about the centre. It only shrinks, so no ink leaves the canvas, which keeps its size.
 */
export function keystone(g: Glyph, kx: number, ky: number): Glyph {
  const { width: W, height: H } = g;
  const out = new Uint8Array(W * H);
  const [cx, cy] = [W / 2, H / 2];
  for (let y = 0; y < H; y++) {
    const sx = 1 - Math.abs(kx) * (kx > 0 ? y / H : 1 - y / H);
    for (let x = 0; x < W; x++) {
      const sy = 1 - Math.abs(ky) * (ky > 0 ? x / W : 1 - x / W);
      out[y * W + x] = sample(g, cx + (x - cx) / sx, cy + (y - cy) / sy);
    }
  }
  return { ...g, data: out };
}

/** The glyph's ink at a fractional position (bilinear, black outside). */
function sample(g: Glyph, sx: number, sy: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 >= g.width || y0 >= g.height) return 0;
  const fx = sx - x0;
  const fy = sy - y0;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= g.width || y >= g.height ? 0 : g.data[y * g.width + x]);
  const v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
  return Math.round(v);
}
