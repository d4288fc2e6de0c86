// A written number's ink: the digits set side by side along a wandering baseline, spaced or touching as the writer does.
import type { Split } from '../mnist-split.js';
import { drawGlyph, type Glyph } from './glyph.js';
import { pickDigit } from './mnist-pick.js';
import { createLayer, stampDisk, type Layer } from './raster.js';
import type { Rng } from './rng.js';
import { digitStyle, type Writer } from './writer.js';

export interface InkLine {
  /** Ink coverage 0..1, the digits with a margin of a pen width round them. */
  ink: Layer;
  /** Row of the baseline in `ink`. */
  baseline: number;
  /** The writer's digit height and pen width in px. */
  height: number;
  penWidth: number;
}

const INK = 0.35;

/** Per row of a glyph, its leftmost and rightmost inked column (NaN where the row is blank). */
function rowExtents(glyph: Glyph) {
  const { width, height, data } = glyph.ink;
  const left = new Float64Array(height).fill(NaN);
  const right = new Float64Array(height).fill(NaN);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (data[y * width + x] > INK) {
        if (Number.isNaN(left[y])) left[y] = x;
        right[y] = x + 1;
      }
  let minX = Infinity;
  let maxX = -Infinity;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++)
    if (!Number.isNaN(left[y])) {
      minX = Math.min(minX, left[y]);
      maxX = Math.max(maxX, right[y]);
      top = Math.min(top, y);
      bottom = y;
    }
  if (bottom < 0) return { left, right, minX: 0, maxX: width, top: 0, bottom: height - 1 };
  return { left, right, minX, maxX, top, bottom };
}

/** Writes `text` in `writer`'s hand with digits from `split`. */
export function writeLine(text: string, split: Split, writer: Writer, rng: Rng): InkLine {
  const n = text.length;
  const H = writer.height;
  const glyphs = [...text].map((ch) => drawGlyph(pickDigit(split, Number(ch), rng), digitStyle(writer, rng), rng));
  const extents = glyphs.map(rowExtents);
  const bowPhase = rng.uniform(0, Math.PI);
  // Each glyph's top row on a common vertical axis with the baseline at 0: its ink's bottom sits on the baseline.
  const tops = glyphs.map((g, i) => {
    const t = n > 1 ? i / (n - 1) : 0.5;
    const drift = H * (writer.baselineBow * Math.sin(Math.PI * t + bowPhase) + rng.normal(0, writer.baselineJitter));
    return Math.round(drift - extents[i].bottom - 1);
  });
  const minY = Math.min(...tops);
  const maxY = Math.max(...tops.map((t, i) => t + glyphs[i].ink.height));
  const rows = maxY - minY;
  const skyline = new Float64Array(rows).fill(-Infinity);
  const lefts: number[] = [];
  let reach = -Infinity;
  const joins: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const e = extents[i];
    const top = tops[i] - minY;
    let x: number;
    if (i === 0) x = -e.minX;
    else if (writer.spacing === 'spaced') {
      const extra = writer.zipBreak && i === 5 ? H * rng.uniform(0.4, 0.9) : 0;
      x = reach - e.minX + H * writer.gap * rng.uniform(0.7, 1.35) + extra;
    } else {
      // Most touching pairs overlap by up to most of a pen width; some stop a pixel or two short.
      const pen = glyphs[i].penWidth;
      const d = rng.chance(0.82) ? -rng.uniform(0, Math.min(0.65 * pen, 0.08 * H)) : rng.uniform(0.5, 2.5);
      let closest = Infinity;
      for (let y = 0; y < e.left.length; y++) {
        const row = top + y;
        if (!Number.isNaN(e.left[y]) && skyline[row] > -Infinity) closest = Math.min(closest, e.left[y] - skyline[row]);
      }
      x = closest === Infinity ? reach - e.minX + d : d - closest;
      if (rng.chance(writer.joinShare)) joins.push(pickJoin(i, x, top, extents, tops, lefts, minY, rng));
    }
    lefts.push(x);
    for (let y = 0; y < e.right.length; y++) if (!Number.isNaN(e.right[y])) skyline[top + y] = Math.max(skyline[top + y], x + e.right[y]);
    reach = Math.max(reach, x + e.maxX);
  }
  const margin = Math.ceil(writer.pen.width + 3);
  const x0 = Math.min(...lefts.map((x, i) => x + extents[i].minX));
  const width = Math.ceil(reach - x0 + 2 * margin);
  const yTop = Math.min(...tops.map((t, i) => t + extents[i].top));
  const yBottom = Math.max(...tops.map((t, i) => t + extents[i].bottom + 1));
  const ink = createLayer(width, yBottom - yTop + 2 * margin);
  const dx = margin - x0;
  const dy = margin - yTop;
  glyphs.forEach((g, i) => {
    const ox = Math.round(lefts[i] + dx);
    const oy = tops[i] + dy;
    for (let y = 0; y < g.ink.height; y++) {
      const yy = oy + y;
      if (yy < 0 || yy >= ink.height) continue;
      for (let x = 0; x < g.ink.width; x++) {
        const xx = ox + x;
        const v = g.ink.data[y * g.ink.width + x];
        if (xx >= 0 && xx < ink.width && v > ink.data[yy * ink.width + xx]) ink.data[yy * ink.width + xx] = v;
      }
    }
  });
  const penWidth = glyphs.reduce((s, g) => s + g.penWidth, 0) / n;
  for (const [ax, ay, bx, by] of joins) drawJoin(ink, ax + dx, ay + minY + dy, bx + dx, by + minY + dy, penWidth, H, rng);
  return { ink, baseline: dy, height: H, penWidth };
}

/** Where a connecting stroke runs: from the previous digit's right edge low down to this digit's left edge. */
function pickJoin(
  i: number,
  x: number,
  top: number,
  extents: ReturnType<typeof rowExtents>[],
  tops: number[],
  lefts: number[],
  minY: number,
  rng: Rng,
): [number, number, number, number] {
  const prev = extents[i - 1];
  const prevTop = tops[i - 1] - minY;
  const e = extents[i];
  const rowIn = (ext: typeof e, from: number, to: number) => {
    const span = ext.bottom - ext.top;
    for (let tries = 0; tries < 8; tries++) {
      const y = Math.round(ext.top + span * rng.uniform(from, to));
      if (!Number.isNaN(ext.right[y])) return y;
    }
    return ext.bottom;
  };
  const ya = rowIn(prev, 0.55, 0.95);
  const yb = rowIn(e, 0.25, 0.75);
  return [lefts[i - 1] + prev.right[ya] - 1, prevTop + ya, x + (Number.isNaN(e.left[yb]) ? e.minX : e.left[yb]) + 1, top + yb];
}

/** A thin hooked stroke between two points, as a hand that does not lift between digits. */
function drawJoin(ink: Layer, ax: number, ay: number, bx: number, by: number, pen: number, H: number, rng: Rng) {
  // Only short joins: a long sweep between digits is cursive writing, not how people join figures.
  if (Math.hypot(bx - ax, by - ay) > 0.35 * H) return;
  const cx = (ax + bx) / 2;
  const cy = Math.max(ay, by) + H * rng.uniform(0.01, 0.06);
  const r = Math.max(0.5, (pen / 2) * rng.uniform(0.55, 0.85));
  const steps = Math.ceil(Math.hypot(bx - ax, by - ay) * 2 + 4);
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    const x = (1 - t) * (1 - t) * ax + 2 * (1 - t) * t * cx + t * t * bx;
    const y = (1 - t) * (1 - t) * ay + 2 * (1 - t) * t * cy + t * t * by;
    stampDisk(ink, x, y, r * (1 - 0.3 * t));
  }
}
