// A joined hand: a digit's last stroke running on into the next digit, as numbers written fast are. MNIST's digits were
// each written in a box of their own, so no training line had ink between two digits that belongs to neither of them.
import type { Glyph } from './glyphs.js';
import { between, chance, type Rng } from './ink-ops.js';

/** A written digit where it lies on the line's ink map. */
export interface Placed {
  glyph: Glyph;
  x: number;
  y: number;
}

interface Point {
  x: number;
  y: number;
}

const INK = 128;

/** The stroke's width: twice the ink's area over its outline's length (a stroke of width s and length l has area s·l and
 * an outline of about 2l). */
export function strokeWidth(g: Glyph): number {
  let [area, outline] = [0, 0];
  const at = (x: number, y: number) => x >= 0 && y >= 0 && x < g.width && y < g.height && g.data[y * g.width + x] >= INK;
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      if (!at(x, y)) continue;
      area++;
      if (!at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1)) outline++;
    }
  }
  return outline > 0 ? (2 * area) / outline : 1;
}

/** The ink pixel furthest to one side (`side` 1: right, −1: left) within rows [from, to) of the glyph's height, in the
 * line's coordinates; undefined where those rows hold no ink. */
function extreme(p: Placed, side: 1 | -1, from: number, to: number): Point | undefined {
  const { glyph: g } = p;
  let best: Point | undefined;
  for (let y = Math.floor(from * g.height); y < Math.ceil(to * g.height); y++) {
    for (let x = 0; x < g.width; x++) {
      if (g.data[y * g.width + x] < INK) continue;
      if (!best || side * (x - best.x) > 0) best = { x, y };
    }
  }
  return best && { x: best.x + p.x, y: best.y + p.y };
}

/** A pen stroke of radius `r` along the quadratic curve from `a` through control `c` to `b`, antialiased, drawn into
 * `ink` (white on black) wherever it is brighter than what is there. */
export function drawCurve(ink: Uint8Array, width: number, height: number, a: Point, c: Point, b: Point, r: number): void {
  const length = Math.hypot(c.x - a.x, c.y - a.y) + Math.hypot(b.x - c.x, b.y - c.y);
  const steps = Math.max(2, Math.ceil(length * 2));
  const reach = Math.ceil(r + 1);
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const px = (1 - t) * (1 - t) * a.x + 2 * t * (1 - t) * c.x + t * t * b.x;
    const py = (1 - t) * (1 - t) * a.y + 2 * t * (1 - t) * c.y + t * t * b.y;
    for (let y = Math.max(0, Math.floor(py) - reach); y <= Math.min(height - 1, Math.ceil(py) + reach); y++) {
      for (let x = Math.max(0, Math.floor(px) - reach); x <= Math.min(width - 1, Math.ceil(px) + reach); x++) {
        const cover = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(x - px, y - py)));
        const v = Math.round(255 * cover);
        if (v > ink[y * width + x]) ink[y * width + x] = v;
      }
    }
  }
}

/** What joinDigits needs of the writer (compose.ts Writer). */
export interface Hand {
  joins: number;
  height: number;
}

/**
 * Joins neighbours as the hand joins them (each pair with chance `joins`; `height` the digits' height): from the rightmost ink of a digit's lower part to the leftmost ink of the next
 * digit's upper part, a stroke of the digit's own width that sags (or now and then rises) between them. Neighbours that
 * already touch, or stand further apart than the digits are tall, are left as they are.
 */
export function joinDigits(ink: Uint8Array, width: number, height: number, placed: Placed[], hand: Hand, rng: Rng): void {
  for (let i = 0; i + 1 < placed.length; i++) {
    if (!chance(rng, hand.joins)) continue;
    const sag = between(rng, -0.1, 0.3) * hand.height;
    const from = extreme(placed[i], 1, 0.35, 1);
    const to = extreme(placed[i + 1], -1, 0, 0.85);
    if (!from || !to || to.x - from.x < 2 || to.x - from.x > hand.height) continue;
    const control = { x: (from.x + to.x) / 2, y: Math.max(from.y, to.y) + sag };
    drawCurve(ink, width, height, from, control, to, Math.max(0.7, strokeWidth(placed[i].glyph) / 2));
  }
}
