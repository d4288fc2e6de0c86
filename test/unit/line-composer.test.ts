// The widened training composer's pieces (#36, line3): a keystone only shrinks the picture towards one edge, an
// elastic wobble moves strokes by at most its amplitude, and a training line that the imaging steps have lost is told
// from one they kept by its likeness to its clean ink.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { composeLine, drawWriter, type InkLine, type Writer } from '../../src/train/lines/compose.js';
import { elastic, keystone } from '../../src/train/lines/ink-ops.js';
import { strokeWidth } from '../../src/train/lines/joins.js';
import type { Glyph } from '../../src/train/lines/glyphs.js';
import { likeness, MIN_LIKENESS } from '../../src/train/lines/training-line.js';
import type { NormalisedLine } from '../../src/imaging/line.js';

const full = (width: number, height: number): Glyph => ({ data: new Uint8Array(width * height).fill(255), width, height, label: 0 });
/** The composed line's pixels of strong ink. */
const inkedPixels = (line: InkLine) =>
  Array.from(line.ink.keys())
    .filter((i) => line.ink[i] > 127)
    .map((i) => ({ x: i % line.width, y: Math.floor(i / line.width) }));
const inkIn = (g: Glyph, y: number) => Array.from(g.data.subarray(y * g.width, (y + 1) * g.width)).filter((v) => v > 127).length;

/** A normalised line of 28 rows with vertical bars of ink at the given columns (3 px wide, rows 4–23). */
function bars(width: number, columns: number[]): NormalisedLine {
  const data = new Float32Array(28 * width);
  for (const c of columns) for (let y = 4; y < 24; y++) for (let x = c; x < c + 3; x++) data[y * width + x] = 1;
  return { data, width, scale: 1, ink: { x: 0, y: 0, width, height: 20 }, slope: 0 };
}

/** `w` with every habit that moves or changes a digit turned off: each digit written as drawn, on one straight line. */
const steady = (w: Writer): Writer => ({
  ...w,
  slant: 0,
  rotation: 0,
  wobble: 0,
  breaks: 0,
  pen: 0,
  penWobble: 0,
  gapSpread: 0,
  sizeSpread: 0,
  slope: 0,
  wave: 0,
  jitter: 0,
});

describe('training composer', () => {
  it('condensed and extended hands: drawn only where the recipe asks, within its range, and the line as wide as they make it', () => {
    const plain = Array.from({ length: 50 }, (_, i) => drawWriter(createRng(i)));
    assert.ok(plain.every((w) => w.aspect === 1));
    const hands = { share: 0.5, min: 0.6, max: 1.5 };
    const drawn = Array.from({ length: 400 }, (_, i) => drawWriter(createRng(i), { hands }).aspect);
    const changed = drawn.filter((a) => a !== 1);
    assert.ok(changed.length > 160 && changed.length < 240, `${changed.length} of 400 hands changed`);
    assert.ok(changed.every((a) => a >= 0.6 && a <= 1.5));
    assert.ok(changed.some((a) => a < 0.8) && changed.some((a) => a > 1.25));
    // Recipes from before hands draw the same writers as they did: every other habit is drawn as before.
    const before: Partial<Writer> = drawWriter(createRng(7));
    const after: Partial<Writer> = drawWriter(createRng(7), { hands: { share: 1, min: 0.6, max: 0.6 } });
    assert.equal(before.aspect, 1);
    assert.ok(Math.abs(after.aspect! - 0.6) < 1e-9);
    delete before.aspect;
    delete after.aspect;
    assert.deepEqual(after, before);
    // The same digits, by the same hand but 0.6 times as wide: the line's ink is about 0.6 times as wide.
    const digit = full(12, 30);
    const writer: Writer = { ...steady(before as Writer), gap: 0.3 };
    const inkWidth = (aspect: number) => {
      const line = composeLine([digit, digit, digit], 30, { ...writer, height: 30, aspect }, createRng(1));
      const columns = new Set<number>();
      for (let i = 0; i < line.ink.length; i++) if (line.ink[i] > 127) columns.add(i % line.width);
      return columns.size;
    };
    const ratio = inkWidth(0.6) / inkWidth(1);
    assert.ok(ratio > 0.5 && ratio < 0.7, `ink 0.6 times as wide: ${ratio.toFixed(2)}`);
  });

  it('joined hands: drawn only where the recipe asks; a join runs from one digit to the next, never across a wide gap', () => {
    assert.ok(Array.from({ length: 50 }, (_, i) => drawWriter(createRng(i))).every((w) => w.joins === 0));
    const before: Partial<Writer> = drawWriter(createRng(7), { hands: { share: 0.5, min: 0.6, max: 1.5 } });
    const after: Partial<Writer> = drawWriter(createRng(7), {
      hands: { share: 0.5, min: 0.6, max: 1.5 },
      joins: { share: 1, often: [0.4, 0.6] },
    });
    assert.ok(after.joins! >= 0.4 && after.joins! <= 0.6);
    delete before.joins;
    delete after.joins;
    assert.deepEqual(after, before, 'every other habit is drawn as before');
    // Two bars 3 px wide, 30 tall: the columns between them hold ink only when the writer joins them.
    const bar: Glyph = { data: new Uint8Array(3 * 30).fill(255), width: 3, height: 30, label: 1 };
    const plainWriter: Writer = { ...steady(drawWriter(createRng(3))), height: 30, aspect: 1 };
    /** Columns strictly between the two bars' ink that hold ink. */
    const bridged = (w: Writer) => {
      const line = composeLine([bar, bar], 30, w, createRng(5));
      const columns = [...new Set(inkedPixels(line).map(({ x }) => x))].sort((a, b) => a - b);
      const gaps = columns.filter((c, i) => i > 0 && c - columns[i - 1] > 1).length;
      return { columns, gaps };
    };
    const apart = bridged({ ...plainWriter, gap: 0.5, joins: 0 });
    assert.equal(apart.gaps, 1, 'two bars, one gap between them');
    const joined = bridged({ ...plainWriter, gap: 0.5, joins: 1 });
    assert.equal(joined.gaps, 0, 'the join fills every column between them');
    assert.ok(joined.columns.length >= apart.columns.length + 10);
    assert.equal(bridged({ ...plainWriter, gap: 1.5, joins: 1 }).gaps, 1, 'a gap wider than the digits are tall stays open');
    // The join's pen is the digit's: a bar 4 px wide measures about 4.
    const wide: Glyph = { data: new Uint8Array(4 * 40).fill(255), width: 4, height: 40, label: 1 };
    assert.ok(Math.abs(strokeWidth(wide) - 4) < 0.5, `stroke width ${strokeWidth(wide)}`);
  });

  it('nestled digits: drawn only where the recipe asks, among writers who touch their digits; a digit set against the ink before it, not its box', () => {
    const nestles = { share: 1, reach: [0, 0] as [number, number] };
    assert.ok(Array.from({ length: 50 }, (_, i) => drawWriter(createRng(i))).every((w) => w.nestle === undefined));
    const drawn = Array.from({ length: 200 }, (_, i) => drawWriter(createRng(i), { nestles }));
    assert.ok(drawn.some((w) => w.nestle) && drawn.some((w) => !w.nestle));
    assert.ok(
      drawn.every((w) => (w.nestle ? w.gap <= 0.08 : w.gap >= 0.05)),
      'the writers who touch or overlap their digits nestle, no others',
    );
    for (let i = 0; i < 50; i++) {
      const after: Partial<Writer> = drawWriter(createRng(i), { nestles });
      delete after.nestle;
      assert.deepEqual(after, drawWriter(createRng(i)), 'every other habit is drawn as before');
    }
    // A Γ (a bar over a thick upright on its left) and then a block as tall as the space under the bar.
    const gamma: Glyph = { data: new Uint8Array(24 * 30), width: 24, height: 30, label: 7 };
    for (let y = 0; y < 30; y++) for (let x = 0; x < 24; x++) if (y < 4 || x < 8) gamma.data[y * 24 + x] = 255;
    const block = full(8, 20);
    const writer: Writer = { ...steady(drawWriter(createRng(3))), height: 30, aspect: 1, gap: 0, joins: 0 };
    /** In the block's middle row, the columns of ink: the Γ's upright, then the block. */
    const middleRow = (w: Writer) => {
      const line = composeLine([gamma, block], 30, w, createRng(5));
      const pixels = inkedPixels(line);
      const top = pixels.reduce((m, p) => Math.min(m, p.y), Infinity);
      const bottom = pixels.reduce((m, p) => Math.max(m, p.y), -Infinity);
      const y = Math.round((top + bottom) / 2);
      const inked = Array.from({ length: line.width }, (_, x) => line.ink[y * line.width + x] > 127);
      const barRight = pixels.filter((p) => p.y === top).reduce((m, p) => Math.max(m, p.x), -Infinity);
      return { inked, barRight };
    };
    const boxed = middleRow(writer);
    const blockLeft = (inked: boolean[]) => inked.findIndex((v, x) => v && x > 0 && !inked[x - 1] && inked.slice(0, x).some(Boolean));
    assert.ok(blockLeft(boxed.inked) > boxed.barRight, 'set by its box, the block stands beyond the bar');
    const touching = middleRow({ ...writer, nestle: [0, 0] });
    assert.equal(blockLeft(touching.inked), -1, 'set against the ink at distance 0, the block touches the upright: one run of ink');
    assert.ok(touching.inked.lastIndexOf(true) < touching.barRight, 'and stands under the bar');
    const apart = middleRow({ ...writer, nestle: [1, 1] });
    const gapStart = apart.inked.indexOf(false, apart.inked.indexOf(true));
    const gap = blockLeft(apart.inked) - gapStart;
    assert.ok(gap >= 4 && gap <= 9, `a stroke width apart (the block's ~6.5 px): ${gap} px`);
  });

  it('a keystone narrows the far edge and keeps the near one, on a canvas of the same size', () => {
    const g = keystone(full(100, 40), 0.2, 0);
    assert.equal(g.width, 100);
    assert.equal(g.height, 40);
    assert.ok(inkIn(g, 0) >= 99, `top row ${inkIn(g, 0)}`);
    const bottom = inkIn(g, 39);
    assert.ok(bottom >= 78 && bottom <= 84, `bottom row ${bottom}: about 80 % of the width`);
    const turned = keystone(full(100, 40), -0.2, 0);
    assert.ok(inkIn(turned, 0) < 85 && inkIn(turned, 39) >= 99);
  });

  it('an elastic wobble grows the canvas by its amplitude and moves no ink further than that', () => {
    const g: Glyph = { data: new Uint8Array(30 * 30), width: 30, height: 30, label: 7 };
    for (let y = 10; y < 20; y++) g.data[y * 30 + 15] = 255;
    const w = elastic(g, createRng(3), 2.5);
    assert.equal(w.width, 36);
    assert.equal(w.height, 36);
    assert.equal(w.label, 7);
    for (let y = 0; y < w.height; y++)
      for (let x = 0; x < w.width; x++)
        if (w.data[y * w.width + x] > 0) assert.ok(Math.abs(x - 3 - 15) <= 3.5 && y - 3 >= 6.5 && y - 3 <= 22.5, `ink at ${x},${y}`);
  });

  it('likeness: a line against itself or a slightly wider copy is kept; ink moved elsewhere is not', () => {
    const clean = bars(100, [20, 50, 80]);
    assert.ok(Math.abs(likeness(clean, clean) - 1) < 1e-9);
    assert.ok(likeness(bars(104, [21, 52, 83]), clean) >= MIN_LIKENESS);
    assert.ok(likeness(bars(100, [35, 65]), clean) < MIN_LIKENESS);
    assert.equal(likeness(bars(100, []), clean), 0);
  });
});
