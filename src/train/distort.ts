// Image distortions of one MNIST digit, the ways other people's pictures differ from MNIST's: the hand (rotation,
// slant, proportions, wobble), the pen (thick, thin), the scan (blur, low resolution) and the paper (contrast, noise).
// Shared by the training loader (augment.ts draws random strengths) and the robustness evaluation (robustness.ts
// applies fixed ones). Written by hand because they run per image in the loader, where a library's per-call overhead
// would cost more than the work. Each works on a square canvas of bytes, 0 = background, 255 = ink.
import { SIDE } from '../model/input-contract.js';
import type { Box } from '../imaging/box.js';
import { resample } from '../imaging/resample.js';

/** A canvas with room around a 28×28 digit, so that rotating or enlarging it does not cut it off. */
export const CANVAS = 36;
const MARGIN = (CANVAS - SIDE) / 2;

export interface Warp {
  /** Degrees, anticlockwise. */
  rotate: number;
  /** Horizontal and vertical scale. */
  scaleX: number;
  scaleY: number;
  /** Horizontal shear (slant): x += shear × y. */
  shear: number;
  /** Largest displacement of the elastic wobble in pixels (0: none). */
  elastic: number;
  /** Source of the wobble's random field. */
  rng?: () => number;
}

const smooth = (t: number) => t * t * (3 - 2 * t);
const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/** Grid cells of the elastic field across the canvas: coarse enough for a smooth wobble, fine enough for a local one. */
const FIELD_GRID = 4;
const FIELD = new Float32Array(2 * (FIELD_GRID + 1) ** 2);

/**
 * The 28×28 digit `src` warped onto a CANVAS×CANVAS canvas about its centre: an affine map (rotation, scale, shear)
 * plus an elastic displacement field in the manner of Simard et al. (2003). Their field is per-pixel noise smoothed by
 * a Gaussian; this one interpolates a coarse grid of random displacements with smoothstep weights, which gives the same
 * kind of smooth wobble for a fraction of the work.
 */
export function warp(src: Uint8Array, w: Warp, out = new Uint8Array(CANVAS * CANVAS)): Uint8Array {
  const a = (w.rotate * Math.PI) / 180;
  const [cos, sin] = [Math.cos(a), Math.sin(a)];
  // Forward map: p' = R · Shear · Scale · p. Sampling needs its inverse, written out for the 2×2 case.
  const m00 = cos * w.scaleX;
  const m01 = cos * w.shear * w.scaleY - sin * w.scaleY;
  const m10 = sin * w.scaleX;
  const m11 = sin * w.shear * w.scaleY + cos * w.scaleY;
  const det = m00 * m11 - m01 * m10;
  const [i00, i01, i10, i11] = [m11 / det, -m01 / det, -m10 / det, m00 / det];
  const elastic = w.elastic > 0 && w.rng;
  if (elastic) elasticField(w.elastic, w.rng!);
  const half = CANVAS / 2;
  for (let y = 0; y < CANVAS; y++) {
    const v = y + 0.5 - half;
    for (let x = 0; x < CANVAS; x++) {
      const u = x + 0.5 - half;
      let sx = i00 * u + i01 * v + 14 - 0.5;
      let sy = i10 * u + i11 * v + 14 - 0.5;
      if (elastic) {
        sx += FIELD_X[y * CANVAS + x];
        sy += FIELD_Y[y * CANVAS + x];
      }
      out[y * CANVAS + x] = bilinear(src, sx, sy);
    }
  }
  return out;
}

const FIELD_X = new Float32Array(CANVAS * CANVAS);
const FIELD_Y = new Float32Array(CANVAS * CANVAS);
const GRID_ROWS = new Float32Array(2 * (FIELD_GRID + 1) * CANVAS);
/** Each canvas coordinate's grid cell and its smoothstep weight within it (the same along x and y). */
const CELL = Array.from({ length: CANVAS }, (_, x) => {
  const g = (x + 0.5) / (CANVAS / FIELD_GRID);
  const c = Math.min(FIELD_GRID - 1, Math.floor(g));
  return { c, t: smooth(g - c) };
});

/** Fills FIELD_X/FIELD_Y with a smooth displacement field of amplitude up to `amplitude`: random displacements at the
 * grid's nodes, interpolated along x for each grid row, then along y. */
function elasticField(amplitude: number, rng: () => number): void {
  for (let i = 0; i < FIELD.length; i++) FIELD[i] = (2 * rng() - 1) * amplitude;
  const nodes = FIELD_GRID + 1;
  for (let g = 0; g < nodes; g++) {
    for (let x = 0; x < CANVAS; x++) {
      const { c, t } = CELL[x];
      const k = 2 * (g * nodes + c);
      GRID_ROWS[2 * (g * CANVAS + x)] = lerp(FIELD[k], FIELD[k + 2], t);
      GRID_ROWS[2 * (g * CANVAS + x) + 1] = lerp(FIELD[k + 1], FIELD[k + 3], t);
    }
  }
  for (let y = 0; y < CANVAS; y++) {
    const { c, t } = CELL[y];
    for (let x = 0; x < CANVAS; x++) {
      const above = 2 * (c * CANVAS + x);
      const below = 2 * ((c + 1) * CANVAS + x);
      FIELD_X[y * CANVAS + x] = lerp(GRID_ROWS[above], GRID_ROWS[below], t);
      FIELD_Y[y * CANVAS + x] = lerp(GRID_ROWS[above + 1], GRID_ROWS[below + 1], t);
    }
  }
}

/** src (28×28) at a fractional position, 0 outside. */
function bilinear(src: Uint8Array, x: number, y: number): number {
  if (x <= -1 || y <= -1 || x >= SIDE || y >= SIDE) return 0;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * SIDE + x0;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  if (x0 >= 0 && y0 >= 0 && x0 < 27 && y0 < 27) {
    a = src[i];
    b = src[i + 1];
    c = src[i + SIDE];
    d = src[i + 29];
  } else {
    // On the border: the pixels outside are background.
    const inX0 = x0 >= 0;
    const inX1 = x0 < 27;
    if (y0 >= 0) {
      if (inX0) a = src[i];
      if (inX1) b = src[i + 1];
    }
    if (y0 < 27) {
      if (inX0) c = src[i + SIDE];
      if (inX1) d = src[i + 29];
    }
  }
  const top = a + (b - a) * fx;
  const bottom = c + (d - c) * fx;
  return Math.round(top + (bottom - top) * fy);
}

/** The 28×28 digit placed in the middle of a CANVAS×CANVAS canvas, as it is. */
export function onCanvas(src: Uint8Array, out = new Uint8Array(CANVAS * CANVAS)): Uint8Array {
  out.fill(0);
  for (let y = 0; y < SIDE; y++) out.set(src.subarray(y * SIDE, y * SIDE + SIDE), (y + MARGIN) * CANVAS + MARGIN);
  return out;
}

const SCRATCH = new Uint8Array(CANVAS * CANVAS);

/**
 * A different pen: `px` > 0 thickens every stroke by about that many pixels on each side (grey dilation), < 0 thins
 * it (erosion). Fractions blend one step with the picture, so half a pixel is half a step's ink. Works in place.
 */
export function pen(img: Uint8Array, side: number, px: number): Uint8Array {
  const grow = px > 0;
  let left = Math.abs(px);
  while (left > 0) {
    const t = Math.min(1, left);
    const scratch = side * side <= SCRATCH.length ? SCRATCH : new Uint8Array(side * side);
    scratch.set(img.subarray(0, side * side));
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const i = y * side + x;
        const c = scratch[i];
        // Cross-shaped neighbourhood: a disc of radius 1 in pixels.
        const l = x > 0 ? scratch[i - 1] : 0;
        const r = x < side - 1 ? scratch[i + 1] : 0;
        const u = y > 0 ? scratch[i - side] : 0;
        const d = y < side - 1 ? scratch[i + side] : 0;
        const m = grow ? Math.max(c, l, r, u, d) : Math.min(c, l, r, u, d);
        img[i] = Math.round(c + (m - c) * t);
      }
    }
    left -= t;
  }
  return img;
}

const BLUR_ROWS = new Float32Array(CANVAS * CANVAS);

/** Gaussian blur of standard deviation `sigma` pixels, separable, in place (an out-of-focus scan). */
export function blur(img: Uint8Array, side: number, sigma: number): Uint8Array {
  if (sigma <= 0) return img;
  const radius = Math.ceil(2.5 * sigma);
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, k) => Math.exp(-((k - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  const rows = side * side <= BLUR_ROWS.length ? BLUR_ROWS : new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k;
        if (xx >= 0 && xx < side) s += kernel[k + radius] * img[y * side + xx];
      }
      rows[y * side + x] = s;
    }
  }
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k;
        if (yy >= 0 && yy < side) s += kernel[k + radius] * rows[yy * side + x];
      }
      img[y * side + x] = Math.min(255, Math.round(s));
    }
  }
  return img;
}

/** The ink's bounding box on a square canvas, or undefined when blank. */
export function inkBox(img: Uint8Array, side: number, threshold = 32): Box | undefined {
  let [l, t, r, b] = [side, side, -1, -1];
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (img[y * side + x] <= threshold) continue;
      if (x < l) l = x;
      if (x > r) r = x;
      if (y < t) t = y;
      b = y;
    }
  }
  return r < 0 ? undefined : { x: l, y: t, width: r - l + 1, height: b - t + 1 };
}

/**
 * A low-resolution scan, upscaled again: the canvas shrunk (area filter) so that the digit's longer side is `digitSide`
 * pixels, then enlarged back (bilinear), as a phone or browser would show a small picture. Returns a new canvas.
 */
export function lowResolution(img: Uint8Array, side: number, digitSide: number): Uint8Array {
  const box = inkBox(img, side);
  if (!box) return img;
  const longest = Math.max(box.width, box.height);
  if (digitSide >= longest) return img;
  const small = Math.max(2, Math.round((side * digitSide) / longest));
  return resample(resample(img, side, side, small, small), small, small, side, side);
}

/**
 * The digit as dark ink on lighter paper, as photographed: paper at level `paper`, ink `contrast` (0..1] of the way
 * from paper to black, and Gaussian noise of `noise` levels. The service inverts such pictures back.
 */
export function onPaper(img: Uint8Array, paper: number, contrast: number, noise: number, rng: () => number): Uint8Array {
  const depth = contrast * paper;
  for (let i = 0; i < img.length; i++) {
    // Sum of three uniforms: close enough to Gaussian for paper grain, and cheaper than Box–Muller per pixel.
    const n = noise > 0 ? noise * 2 * (rng() + rng() + rng() - 1.5) : 0;
    img[i] = Math.max(0, Math.min(255, Math.round(paper - (depth * img[i]) / 255 + n)));
  }
  return img;
}
