// A writer's habits for one picture: size, lean, pen and spacing, and how much each digit strays from them.
import type { GlyphStyle, Pen } from './glyph.js';
import { clamp } from './raster.js';
import type { Rng } from './rng.js';

export type Spacing = 'spaced' | 'touching';

export interface Writer {
  /** Digit height in px. */
  height: number;
  aspect: number;
  slant: number;
  /** Spread of each digit's own size, lean and turn around the writer's. */
  sizeJitter: number;
  slantJitter: number;
  turnJitter: number;
  /** Each digit's step off the baseline and the baseline's bow, as shares of the height. */
  baselineJitter: number;
  baselineBow: number;
  /** The whole line's angle in radians. */
  tilt: number;
  wobble: number;
  pen: Pen;
  /** Graphite rather than ink: grey, grainy and faint. */
  pencil: boolean;
  /** Spread of the pen's width digit to digit (a turned pen, more pressure). */
  penJitter: number;
  spacing: Spacing;
  /** Gap between digits' ink in spaced writing, as a share of the height. */
  gap: number;
  /** Share of digits with a skip in a stroke, and of touching pairs joined by a connecting stroke. */
  skipShare: number;
  joinShare: number;
  /** A wider space after the fifth digit of a nine-digit zip, where people write the hyphen or a space. */
  zipBreak: boolean;
}

export interface WriterRange {
  minHeight: number;
  maxHeight: number;
  spacing: Spacing;
  /** A drawing canvas: the centre line drawn again with a round tip (a mouse or finger), never the writer's own stroke. */
  canvas?: boolean;
}

/** Most people write numbers between small-form and large-note size: log-uniform over the range. */
function drawHeight(rng: Rng, lo: number, hi: number) {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

function drawPen(rng: Rng, height: number, canvas: boolean): { pen: Pen; pencil: boolean } {
  if (canvas) {
    const thick = rng.chance(0.3);
    const width = height * (thick ? rng.uniform(0.11, 0.17) : rng.uniform(0.045, 0.1));
    return { pen: { restroke: true, width: Math.max(1.5, width), level: 0.5, morph: 0, pressure: 0 }, pencil: false };
  }
  const kind = rng.weighted([
    ['ballpoint', 40],
    ['felt', 18],
    ['pencil', 12],
    ['own', 30],
  ] as const);
  if (kind === 'own') {
    // MNIST strokes are about an eighth of the digit's height; a writer's pen may be finer or broader.
    const natural = 0.13 * height;
    const target = height * rng.uniform(0.06, 0.17);
    const radius = clamp((target - natural) / 2, -0.3 * natural, 0.45 * natural);
    const pen = { restroke: false, width: natural, level: rng.uniform(0.28, 0.55), morph: radius, pressure: rng.uniform(0, 0.2) };
    return { pen, pencil: false };
  }
  const share = kind === 'ballpoint' ? rng.uniform(0.045, 0.085) : kind === 'felt' ? rng.uniform(0.08, 0.15) : rng.uniform(0.05, 0.09);
  const pressure = kind === 'pencil' ? rng.uniform(0.25, 0.5) : kind === 'ballpoint' ? rng.uniform(0.05, 0.3) : rng.uniform(0, 0.12);
  return { pen: { restroke: true, width: Math.max(1.2, share * height), level: 0.5, morph: 0, pressure }, pencil: kind === 'pencil' };
}

/** Habits of one writer; `digits` bounds the height so the number fits the widest picture. */
export function drawWriter(rng: Rng, range: WriterRange, digits: number, maxWidth: number): Writer {
  const spaced = range.spacing === 'spaced';
  const gap = spaced ? Math.exp(rng.normal(Math.log(0.28), 0.45)) : 0;
  // Each digit takes about its height in width plus the gap; margins take a few heights more.
  const fits = maxWidth / (digits * (0.95 + Math.min(gap, 1.2)) + 3);
  const height = Math.min(drawHeight(rng, range.minHeight, range.maxHeight), Math.max(range.minHeight * 0.8, fits));
  const { pen, pencil } = drawPen(rng, height, range.canvas ?? false);
  return {
    height,
    aspect: clamp(rng.normal(1, 0.1), 0.78, 1.25),
    slant: clamp(rng.normal(0.1, 0.15), -0.25, 0.45),
    sizeJitter: rng.uniform(0.02, 0.09),
    slantJitter: rng.uniform(0.01, 0.07),
    turnJitter: rng.uniform(0.01, 0.06),
    baselineJitter: rng.uniform(0.01, 0.07),
    baselineBow: rng.chance(0.5) ? rng.uniform(-0.12, 0.12) : 0,
    tilt: rng.normal(0, 0.025),
    wobble: range.canvas ? rng.uniform(0.005, 0.03) : rng.uniform(0, 0.02),
    pen,
    pencil,
    penJitter: rng.uniform(0, 0.1),
    spacing: range.spacing,
    gap: clamp(gap, 0.08, 1.2),
    skipShare: range.canvas ? 0.02 : rng.chance(0.4) ? rng.uniform(0.04, 0.15) : 0,
    joinShare: spaced || range.canvas ? 0 : rng.chance(0.45) ? rng.uniform(0.2, 0.6) : 0,
    zipBreak: digits === 9 && rng.chance(spaced ? 0.35 : 0.2),
  };
}

/** The writer's habits as they came out for one digit. */
export function digitStyle(writer: Writer, rng: Rng): GlyphStyle {
  const size = clamp(rng.normal(1, writer.sizeJitter), 0.8, 1.22);
  const penScale = clamp(rng.normal(1, writer.penJitter), 0.75, 1.3);
  const pen = { ...writer.pen, width: writer.pen.width * penScale, morph: writer.pen.morph * penScale };
  return {
    height: writer.height * size,
    aspect: clamp(writer.aspect * rng.normal(1, 0.05), 0.7, 1.35),
    slant: writer.slant + rng.normal(0, writer.slantJitter),
    rotation: clamp(rng.normal(0, writer.turnJitter), -0.14, 0.14),
    wobble: writer.wobble,
    pen,
    gap: rng.chance(writer.skipShare),
  };
}
