// One MNIST digit drawn at a writer's size, slant and pen: the shape a person made, in the hand of another writer.
import { blur, clamp, createLayer, morph, sampleCubic, smoothField, stampDisk, type Layer } from './raster.js';
import type { Rng } from './rng.js';
import { skeleton } from './skeleton.js';

/** How the pen lays ink: its own MNIST stroke thickened or thinned, or the centre line drawn again with a round tip. */
export interface Pen {
  restroke: boolean;
  /** Restroke: the tip's width in px. */
  width: number;
  /** Own stroke: the iso-level of the blown-up digit taken as its edge (lower is bolder). */
  level: number;
  /** Own stroke: disk radius in px, positive thickens, negative thins. */
  morph: number;
  /** How much the ink's strength varies along the stroke (pressure, a drying pen), 0..1. */
  pressure: number;
}

export interface GlyphStyle {
  /** Height of the digit's ink in px before slant and rotation. */
  height: number;
  /** Width over height, against the MNIST shape. */
  aspect: number;
  /** Horizontal lean per unit of height (positive leans right). */
  slant: number;
  /** Rotation in radians (positive turns clockwise on screen). */
  rotation: number;
  /** How far a wavering hand moves a stroke, as a share of the height. */
  wobble: number;
  pen: Pen;
  /** A skip in one stroke, as a pen lifting or running dry. */
  gap: boolean;
}

export interface Glyph {
  ink: Layer;
  /** Where the digit's centre lies in `ink`. */
  centreX: number;
  centreY: number;
  /** The stroke's width as drawn, in px. */
  penWidth: number;
}

const SIDE = 28;

/** Rows and columns of ink in a 28×28 digit. */
function inkBox(pixels: Uint8Array) {
  let x0 = SIDE;
  let y0 = SIDE;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++)
      if (pixels[y * SIDE + x] > 40) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  if (x1 < 0) return { cx: SIDE / 2, cy: SIDE / 2, w: 20, h: 20 };
  return { cx: (x0 + x1 + 1) / 2, cy: (y0 + y1 + 1) / 2, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** Draws the 28×28 white-on-black `pixels` in `style`; the returned layer holds ink coverage 0..1. */
export function drawGlyph(pixels: Uint8Array, style: GlyphStyle, rng: Rng): Glyph {
  const box = inkBox(pixels);
  const sy = style.height / box.h;
  const sx = sy * style.aspect;
  const cos = Math.cos(style.rotation);
  const sin = Math.sin(style.rotation);
  // Forward map from digit (centred) to picture: rotate · shear · scale.
  const a = cos * sx;
  const b = cos * -style.slant * sy - sin * sy;
  const c = sin * sx;
  const d = sin * -style.slant * sy + cos * sy;
  const det = a * d - b * c;
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  const pad = Math.ceil(style.pen.width + Math.abs(style.pen.morph) + style.wobble * style.height + 0.04 * style.height + 4);
  let halfW = 0;
  let halfH = 0;
  for (const [u, v] of [
    [box.w / 2, box.h / 2],
    [box.w / 2, -box.h / 2],
  ]) {
    halfW = Math.max(halfW, Math.abs(a * u + b * v));
    halfH = Math.max(halfH, Math.abs(c * u + d * v));
  }
  const width = Math.ceil(2 * (halfW + pad));
  const height = Math.ceil(2 * (halfH + pad));
  const ox = width / 2;
  const oy = height / 2;
  let ink = createLayer(width, height);
  // MNIST's pixel grain would show as ripples along every edge once blown up: smooth it below a pixel first.
  const source = createLayer(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) source.data[i] = pixels[i] / 255;
  blur(source, 0.6);
  // A wavering hand: a smooth displacement of the source, a fraction of a pixel of the 28-pixel digit.
  const amp = style.wobble * box.h;
  // The source point of pixel (x, y) before the wobble, for the wave grids.
  const map = [ia * (0.5 - ox) + ib * (0.5 - oy) + box.cx, ia, ib, ic * (0.5 - ox) + id * (0.5 - oy) + box.cy, ic, id] as const;
  const waveX = smoothField(rng, 3, 14).grid(width, height, map);
  const waveY = smoothField(rng, 3, 14).grid(width, height, map);
  const level = style.pen.restroke ? 0.4 : style.pen.level;
  // The ramp from paper to ink stays about a pixel wide however far the digit is blown up, and steep enough that
  // blank paper (value 0) stays blank whatever the level.
  const sharpness = Math.max(2.5, Math.min(sx, sy) / 1.2);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const u = x + 0.5 - ox;
      const v = y + 0.5 - oy;
      const srcX = ia * u + ib * v + box.cx + amp * waveX.data[y * width + x];
      const srcY = ic * u + id * v + box.cy + amp * waveY.data[y * width + x];
      const value = sampleCubic(source, srcX - 0.5, srcY - 0.5);
      ink.data[y * width + x] = clamp((value - level) * sharpness + 0.5, 0, 1);
    }
  const centre = skeleton(ink);
  let penWidth = style.pen.width;
  if (style.pen.restroke) {
    const pressure = smoothField(rng, 3, style.height * 0.8);
    const fresh = createLayer(width, height);
    for (let k = 0; k < centre.length; k += 2) {
      const r = (penWidth / 2) * (1 + 0.12 * pressure.at(centre[k], centre[k + 1]));
      stampDisk(fresh, centre[k] + 0.5, centre[k + 1] + 0.5, Math.max(0.45, r));
    }
    ink = fresh;
  } else {
    ink = morph(ink, style.pen.morph);
    let area = 0;
    for (const value of ink.data) area += value;
    penWidth = centre.length ? clamp(area / (centre.length / 2), 1, style.height / 3) : 1;
  }
  if (style.pen.pressure > 0) {
    const field = smoothField(rng, 4, style.height * 0.6).grid(width, height);
    for (let i = 0; i < width * height; i++) ink.data[i] *= 1 - style.pen.pressure * (0.5 + 0.5 * field.data[i]);
  }
  if (style.gap && centre.length > 20) cutGap(ink, centre, penWidth, rng);
  return { ink, centreX: ox, centreY: oy, penWidth };
}

/** Lifts the pen for a moment: clears ink round a point in the middle of a stroke (not an end or a joint). */
function cutGap(ink: Layer, centre: Int32Array, penWidth: number, rng: Rng): void {
  const points = centre.length / 2;
  const near = (x: number, y: number) => {
    let n = 0;
    for (let k = 0; k < centre.length; k += 2) if (Math.max(Math.abs(centre[k] - x), Math.abs(centre[k + 1] - y)) === 1) n++;
    return n;
  };
  for (let tries = 0; tries < 12; tries++) {
    const k = 2 * rng.int(0, points - 1);
    const x = centre[k];
    const y = centre[k + 1];
    if (near(x, y) !== 2) continue;
    const r = penWidth * rng.uniform(0.45, 0.8) + 0.5;
    const reach = Math.ceil(r + penWidth + 2);
    for (let yy = Math.max(0, y - reach); yy < Math.min(ink.height, y + reach); yy++)
      for (let xx = Math.max(0, x - reach); xx < Math.min(ink.width, x + reach); xx++) {
        const dist = Math.hypot(xx - x, yy - y);
        ink.data[yy * ink.width + xx] *= clamp(dist - r, 0, 1);
      }
    return;
  }
}
