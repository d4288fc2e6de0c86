// Cuts that follow the gap between strokes (src/reader/gap-cuts.ts): a path that parts two strokes no column parts,
// and the pieces between boundaries against UnitInk's own pieces between columns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { connectedComponents } from '../../src/imaging/components.js';
import { columnCut, cropBetween, gapPath, measureBetween } from '../../src/reader/gap-cuts.js';
import type { Unit } from '../../src/reader/units.js';
import { UnitInk } from '../../src/imaging/unit-ink.js';

const STROKE = 128;

/** A unit made of the whole page, every component in it. */
function unitOf(data: Uint8Array, width: number, height: number) {
  const labelled = connectedComponents(data, width, height, STROKE);
  const { components } = labelled;
  const unit: Unit = { x: 0, y: 0, width, height, area: components.reduce((n, c) => n + c.area, 0), members: [] };
  return { unit, ink: new UnitInk({ data, width, height }, labelled, () => true, unit) };
}

describe('cuts along the gap between strokes', () => {
  it('bends round a bar that reaches over the next stroke, where every column crosses a stroke', () => {
    // A Γ (stem at x 2–3, bar over x 2–12 in rows 0–2) and a stem at x 10–11 from row 9 down: the Γ's bar covers the
    // second stem's columns, so no column parts them, but a path down the right of the bar and left of the stem does.
    const [width, height] = [16, 40];
    const data = new Uint8Array(width * height);
    const paint = (x0: number, x1: number, y0: number, y1: number) => {
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data[y * width + x] = 255;
    };
    paint(2, 3, 0, 39);
    paint(2, 12, 0, 2);
    paint(10, 11, 9, 39);
    const { unit, ink } = unitOf(data, width, height);
    for (let x = 1; x < width - 1; x++) assert.ok(ink.strokes[x] > 0 || x > 12 || x < 2, `column ${x} is clear`);
    const path = gapPath(ink.pixels, 6, 8, STROKE);
    assert.ok(path, 'a path that is not the column');
    assert.equal(path.filter((x, y) => data[y * width + x] >= STROKE).length, 0, `the path ${path.join(',')} crosses a stroke`);
    const left = measureBetween(ink.pixels, columnCut(unit.x, height), path, STROKE);
    const right = measureBetween(ink.pixels, path, columnCut(unit.x + unit.width, height), STROKE);
    assert.deepEqual(left, { box: { x: 2, y: 0, width: 11, height: 40 }, strokes: 2 * 40 + 9 * 3 });
    assert.deepEqual(right, { box: { x: 10, y: 9, width: 2, height: 31 }, strokes: 2 * 31 });
    // The left piece's crop holds the Γ and none of the second stem.
    const crop = cropBetween(ink.pixels, left.box, columnCut(unit.x, height), path);
    assert.equal(crop.filter((v) => v > 0).length, 2 * 40 + 9 * 3);
    assert.equal(gapPath(ink.pixels, 14, 1, STROKE), undefined, 'a clear column is its own best path');
  });

  it('between column boundaries, the same pieces as UnitInk measures and crops between columns', () => {
    const rng = createRng(20);
    for (let t = 0; t < 200; t++) {
      const [width, height] = [2 + Math.floor(rng() * 40), 2 + Math.floor(rng() * 30)];
      const data = Uint8Array.from({ length: width * height }, () => (rng() < 0.5 ? 1 + Math.floor(rng() * 255) : 0));
      const { ink } = unitOf(data, width, height);
      const left = Math.floor(rng() * width);
      const right = left + 1 + Math.floor(rng() * (width - left));
      const byColumns = ink.measure(left, right);
      const between = measureBetween(ink.pixels, columnCut(left, height), columnCut(right, height), STROKE);
      assert.equal(between.strokes, byColumns.strokes, `picture ${t}`);
      if (!byColumns.box) {
        assert.equal(between.box, undefined);
        continue;
      }
      assert.deepEqual(between, byColumns, `picture ${t}`);
      assert.deepEqual(cropBetween(ink.pixels, between.box!, columnCut(left, height), columnCut(right, height)), ink.crop(byColumns.box));
    }
  });
});
