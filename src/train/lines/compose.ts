// Training lines: a writer's style drawn at random, then each digit written in it with its own wobble. What varies is
// what real writing varies: pen width per writer and per digit, broken strokes and detached pieces, spacing from wide
// to overlapping, slant, baseline drift, neighbours of different sizes, scale and small rotations, a wobble of the
// strokes, and a sheet photographed at an angle.
import type { Glyph } from './glyphs.js';
import { between, breakStroke, chance, elastic, keystone, pen, scaleGlyph, warp, type Rng } from './ink-ops.js';
import { joinDigits, strokeWidth } from './joins.js';

/** A line of ink (white on black, 0..255) and the digits written on it. */
export interface InkLine {
  ink: Uint8Array;
  width: number;
  height: number;
  label: number[];
}

/** One hand's habits, shared by every digit of its line. */
export interface Writer {
  /** Digit height in pixels. */
  height: number;
  /** Pen: 3×3 dilations (> 0) or erosions (< 0) at that height. */
  pen: number;
  /** Each digit's pen differs from the writer's by ±1 this often. */
  penWobble: number;
  /** Horizontal shear (x += slant · (centre − y)); right-leaning writing is positive. */
  slant: number;
  /** Standard deviation of each digit's log size against its neighbours'. */
  sizeSpread: number;
  /** Space between neighbouring digits' ink, as a share of the height (negative overlaps), and its spread. */
  gap: number;
  gapSpread: number;
  /** Baseline: a slope (pixels per pixel), a wave's amplitude (share of height), and each digit's own jitter. */
  slope: number;
  wave: number;
  jitter: number;
  /** Chance of a broken stroke per digit. */
  breaks: number;
  /** Per-digit rotation spread, degrees. */
  rotation: number;
  /** Largest elastic displacement of a digit's strokes, as a share of the height (0: none). */
  wobble: number;
  /** Width of every digit against its drawn width: a condensed (< 1) or extended (> 1) hand. */
  aspect: number;
  /** Chance that a digit's last stroke runs on into the next digit (a joined hand; 0: never). */
  joins: number;
  /** Each digit set against the ink before it rather than its box, its nearest ink this many stroke widths away
   * (negative: overlapping), drawn per digit; absent: set by boxes and `gap`. */
  nestle?: [number, number];
}

/** Writers with a hand narrower or wider than the digits they are drawn from: `share` of them, each with a width factor
 * drawn log-uniform in [min, max]. */
export interface HandWidths {
  share: number;
  min: number;
  max: number;
}

/** Writers who join their digits: `share` of them, each joining a pair of neighbours with a chance drawn in `often`. */
export interface JoinHabit {
  share: number;
  often: [number, number];
}

/** Writers who set each digit against the ink before it rather than beside its box: `share` of those who write their
 * digits touching or overlapping, each digit's nearest ink `reach` stroke widths from the ink before it. */
export interface NestleHabit {
  share: number;
  reach: [number, number];
}

/** What a recipe adds to the writers it draws; each is drawn only where asked, so older recipes draw the same writers. */
export interface WriterHabits {
  hands?: HandWidths;
  joins?: JoinHabit;
  nestles?: NestleHabit;
}

/** A writer, with the habits the recipe asks for. */
export function drawWriter(rng: Rng, { hands, joins, nestles }: WriterHabits = {}): Writer {
  const spacing = rng();
  // Wide gaps (27 %), ordinary ones (28 %), touching neighbours (27 %) and overlapping ones (18 %): most people leave
  // room between digits, and a heavy overlap is a hard case that costs the common ones when drawn too often.
  const gap =
    spacing < 0.27
      ? between(rng, 0.3, 1.1)
      : spacing < 0.55
        ? between(rng, 0.05, 0.3)
        : spacing < 0.82
          ? between(rng, -0.08, 0.08)
          : between(rng, -0.25, -0.05);
  const penDraw = rng();
  // Mostly small pictures (they are shrunk to 20 px anyway, and small ones are cheap to make), some large.
  const height = Math.round(chance(rng, 0.85) ? between(rng, 20, 44) : between(rng, 44, 64));
  // From a fine pen worn thin to a marker; three dilations only where the digit is tall enough to keep its holes.
  const thick = height >= 30 && chance(rng, 0.4) ? 3 : 2;
  return {
    height,
    pen: penDraw < 0.06 ? -2 : penDraw < 0.16 ? -1 : penDraw < 0.55 ? 0 : penDraw < 0.8 ? 1 : thick,
    penWobble: chance(rng, 0.4) ? between(rng, 0.1, 0.5) : 0,
    slant: between(rng, -0.45, 0.45) * (chance(rng, 0.3) ? 0.2 : 1),
    sizeSpread: chance(rng, 0.5) ? between(rng, 0.03, 0.25) : 0.02,
    gap,
    gapSpread: between(rng, 0, 0.15),
    slope: between(rng, -0.06, 0.06),
    wave: chance(rng, 0.3) ? between(rng, 0, 0.12) : 0,
    jitter: between(rng, 0, 0.08),
    breaks: chance(rng, 0.3) ? between(rng, 0.1, 0.35) : 0.02,
    rotation: between(rng, 0, 8),
    wobble: chance(rng, 0.4) ? between(rng, 0.02, 0.07) : 0,
    aspect: hands && chance(rng, hands.share) ? Math.exp(between(rng, Math.log(hands.min), Math.log(hands.max))) : 1,
    joins: joins && chance(rng, joins.share) ? between(rng, ...joins.often) : 0,
    ...(nestles && spacing >= 0.55 && chance(rng, nestles.share) ? { nestle: nestles.reach } : {}),
  };
}

const normalish = (rng: Rng) => (rng() + rng() + rng() - 1.5) * 2; // mean 0, sd 1, bounded at ±3

/** One digit as this writer writes it: sized (`unit` is the glyph height that maps to the writer's height), pen,
 * broken strokes, slant and rotation. */
function writeDigit(glyph: Glyph, unit: number, w: Writer, rng: Rng): Glyph {
  const size = Math.exp(w.sizeSpread * normalish(rng));
  const factor = (w.height / unit) * size;
  let g = scaleGlyph(glyph, glyph.width * factor * w.aspect * between(rng, 0.85, 1.15), glyph.height * factor);
  if (w.wobble > 0) g = elastic(g, rng, w.wobble * g.height);
  const penTimes = w.pen + (chance(rng, w.penWobble) ? (chance(rng, 0.5) ? 1 : -1) : 0);
  // Pens scale with the digit: a 2-pixel dilation on a 22-pixel digit is already a marker.
  if (penTimes !== 0) g = pen(pad(g, Math.max(0, penTimes)), penTimes);
  if (chance(rng, w.breaks))
    g = breakStroke(g, rng, between(rng, 1, Math.max(1.5, 0.12 * g.height)), chance(rng, 0.5) ? 0.12 * g.height : 0);
  const theta = (between(rng, -w.rotation, w.rotation) * Math.PI) / 180;
  const slant = w.slant + between(rng, -0.06, 0.06);
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  // Rotation, then the shear x' = x − slant·y (y grows downwards, so a positive slant leans right).
  return warp(g, cos - slant * sin, -sin - slant * cos, sin, cos);
}

/** The glyph with `n` black pixels around it, so that a thicker pen has room. */
function pad(g: Glyph, n: number): Glyph {
  if (n === 0) return g;
  const width = g.width + 2 * n;
  const height = g.height + 2 * n;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < g.height; y++) data.set(g.data.subarray(y * g.width, (y + 1) * g.width), (y + n) * width + n);
  return { ...g, data, width, height };
}

/** Lays out the digits as `w` writes them, with a margin of paper around; ink overlaps where the digits do. */
export function composeLine(glyphs: Glyph[], unit: number, w: Writer, rng: Rng): InkLine {
  const written = glyphs.map((g) => writeDigit(g, unit, w, rng));
  const xs: number[] = [];
  let x = 0;
  for (const [i, g] of written.entries()) {
    if (i > 0) x += Math.round((w.gap + w.gapSpread * normalish(rng)) * w.height);
    x = Math.max(x, i > 0 ? xs[i - 1] + Math.round(0.25 * written[i - 1].width) : 0); // never stacked on its neighbour
    xs.push(x);
    x += g.width;
  }
  const phase = between(rng, 0, 2 * Math.PI);
  const centres = written.map((g, i) => {
    const cx = xs[i] + g.width / 2;
    return cx * w.slope + w.wave * w.height * Math.sin(phase + cx / (1.5 * w.height)) + w.jitter * w.height * normalish(rng);
  });
  const tops = written.map((g, i) => Math.round(centres[i] - g.height / 2));
  if (w.nestle) nestle(written, xs, tops, w.nestle, rng);
  const margin = () => Math.round(between(rng, 0.2, 1.0) * w.height);
  const [left, right, top, bottom] = [margin(), margin(), margin(), margin()];
  const minTop = Math.min(...tops);
  const inkWidth = Math.max(...written.map((g, i) => xs[i] + g.width));
  const inkHeight = Math.max(...written.map((g, i) => tops[i] - minTop + g.height));
  const width = inkWidth + left + right;
  const height = inkHeight + top + bottom;
  const ink = new Uint8Array(width * height);
  written.forEach((g, i) => {
    const ox = xs[i] + left;
    const oy = tops[i] - minTop + top;
    for (let y = 0; y < g.height; y++) {
      for (let gx = 0; gx < g.width; gx++) {
        const v = g.data[y * g.width + gx];
        const at = (oy + y) * width + ox + gx;
        if (v > ink[at]) ink[at] = v;
      }
    }
  });
  if (w.joins > 0) {
    const placed = written.map((g, i) => ({ glyph: g, x: xs[i] + left, y: tops[i] - minTop + top }));
    joinDigits(ink, width, height, placed, w, rng);
  }
  const line = { ink, width, height, label: glyphs.map((g) => g.label) };
  // normaliseLine levels a sloping line, up to about 11°: tilts up to 8° teach what its levelling leaves. A sheet held
  // at an angle to the camera makes one end of the line taller than the other (a keystone).
  const tilted = chance(rng, 0.35) ? tilt(line, between(rng, -8, 8)) : line;
  return chance(rng, 0.2) ? angled(tilted, between(rng, -0.2, 0.2), between(rng, -0.25, 0.25)) : tilted;
}

/** Per row of a glyph, its leftmost and rightmost ink column (−1 where the row holds none). */
function rowInk(g: Glyph) {
  const left = new Int32Array(g.height).fill(-1);
  const right = new Int32Array(g.height).fill(-1);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      if (g.data[y * g.width + x] < 128) continue;
      if (left[y] < 0) left[y] = x;
      right[y] = x;
    }
  }
  return { left, right };
}

/** Moves each digit after the first (`xs`, with its row `tops`) so that its nearest ink lies a distance drawn in `reach`
 * stroke widths from the ink before it, row against row, as a hand sets a digit beside the last: a 4 tucked under a 7's
 * bar, a 0 touching the 8 before it. Never further left than a quarter into its neighbour's box. */
function nestle(written: Glyph[], xs: number[], tops: number[], reach: [number, number], rng: Rng): void {
  const minTop = Math.min(...tops);
  const rows = Math.max(...written.map((g, i) => tops[i] - minTop + g.height));
  // One past the rightmost ink so far, per row of the line.
  const skyline = new Float64Array(rows).fill(-Infinity);
  written.forEach((g, i) => {
    const top = tops[i] - minTop;
    const { left, right } = rowInk(g);
    let closest = Infinity;
    for (let y = 0; y < g.height; y++) if (left[y] >= 0) closest = Math.min(closest, left[y] - skyline[top + y]);
    if (i > 0 && closest < Infinity) {
      const distance = Math.round(between(rng, ...reach) * strokeWidth(g));
      xs[i] = Math.max(xs[i - 1] + Math.round(0.25 * written[i - 1].width), distance - closest);
    }
    for (let y = 0; y < g.height; y++) if (right[y] >= 0) skyline[top + y] = Math.max(skyline[top + y], xs[i] + right[y] + 1);
  });
}

function angled(line: InkLine, kx: number, ky: number): InkLine {
  const seen = keystone({ data: line.ink, width: line.width, height: line.height, label: 0 }, kx, ky);
  return { ...line, ink: seen.data };
}

/** The whole line turned by `degrees` (a sheet not held square). */
function tilt(line: InkLine, degrees: number): InkLine {
  const theta = (degrees * Math.PI) / 180;
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  const turned = warp({ data: line.ink, width: line.width, height: line.height, label: 0 }, cos, -sin, sin, cos);
  return { ink: turned.data, width: turned.width, height: turned.height, label: line.label };
}
