// The reader's pixel loops against the plainest way to compute the same thing, on seeded random pictures: connected
// components against a flood fill, and a unit's candidate cut-outs against a pass over every pixel of the unit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { connectedComponents, labelsOf, type Component } from '../../src/imaging/components.js';
import { UnitInk } from '../../src/imaging/unit-ink.js';
import type { Unit } from '../../src/reader/units.js';

/** A width × height picture: blobs of ink at levels 1..255 on a background that is 0 where `sparse` says. */
function picture(rng: () => number, width: number, height: number, density: number): Uint8Array {
  return Uint8Array.from({ length: width * height }, () => (rng() < density ? 1 + Math.floor(rng() * 255) : 0));
}

/** Components by runs, as the flood fill gives them: a label per pixel. */
function byRuns(data: Uint8Array, width: number, height: number, threshold: number) {
  const labelled = connectedComponents(data, width, height, threshold);
  return { labels: labelsOf(labelled, width, height), components: labelled.components, threshold: labelled.threshold };
}

/** Components by flood fill, numbered in the order their first pixel comes in reading order. */
function floodFill(data: Uint8Array, width: number, height: number, threshold: number) {
  const labels = new Int32Array(width * height).fill(-1);
  const boxes: Array<{ left: number; top: number; right: number; bottom: number; area: number }> = [];
  for (let start = 0; start < data.length; start++) {
    if (data[start] < threshold || labels[start] >= 0) continue;
    const c = boxes.length;
    const comp = { left: width, top: height, right: 0, bottom: 0, area: 0 };
    boxes.push(comp);
    const stack = [start];
    labels[start] = c;
    while (stack.length > 0) {
      const i = stack.pop()!;
      const [x, y] = [i % width, Math.floor(i / width)];
      comp.left = Math.min(comp.left, x);
      comp.right = Math.max(comp.right, x + 1);
      comp.top = Math.min(comp.top, y);
      comp.bottom = Math.max(comp.bottom, y + 1);
      comp.area++;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [nx, ny] = [x + dx, y + dy];
          const n = ny * width + nx;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height || data[n] < threshold || labels[n] >= 0) continue;
          labels[n] = c;
          stack.push(n);
        }
      }
    }
  }
  const components: Component[] = boxes.map((b) => ({
    x: b.left,
    y: b.top,
    width: b.right - b.left,
    height: b.bottom - b.top,
    area: b.area,
  }));
  return { labels, components, threshold };
}

describe('the reader pixel loops', () => {
  it('connected components by runs agree with a flood fill: labels, order, boxes and areas', () => {
    const rng = createRng(18);
    for (let t = 0; t < 400; t++) {
      const [width, height] = [1 + Math.floor(rng() * 60), 1 + Math.floor(rng() * 40)];
      const data = picture(rng, width, height, rng());
      const threshold = 1 + Math.floor(rng() * 255);
      assert.deepEqual(byRuns(data, width, height, threshold), floodFill(data, width, height, threshold), `picture ${t}`);
    }
  });

  it('a page wide enough to be listed in strips of rows gives the same components as a flood fill', () => {
    // 2,000 px wide: at most 65 rows' runs are listed at once, so 150 rows take three strips, joined across them.
    const rng = createRng(20);
    const [width, height] = [2000, 150];
    const data = picture(rng, width, height, 0.3);
    for (let x = 0; x < width; x += 7) for (let y = 0; y < height; y++) data[y * width + x] = 200; // columns across the strips
    assert.deepEqual(byRuns(data, width, height, 100), floodFill(data, width, height, 100));
  });

  it("a unit's cut-outs hold its own ink between the cuts, with its box and stroke count, and no neighbour's strokes", () => {
    const rng = createRng(19);
    for (let t = 0; t < 200; t++) {
      const [width, height] = [2 + Math.floor(rng() * 50), 2 + Math.floor(rng() * 30)];
      const data = picture(rng, width, height, 0.5);
      const labelled = connectedComponents(data, width, height, 128);
      const { components } = labelled;
      const labels = labelsOf(labelled, width, height);
      // Components go to two units at random; unit 0's box is a random box of the page.
      const unitOf = Int32Array.from(components, () => (rng() < 0.5 ? 0 : 1));
      const x = [Math.floor(rng() * width), Math.floor(rng() * width)].sort((a, b) => a - b);
      const y = [Math.floor(rng() * height), Math.floor(rng() * height)].sort((a, b) => a - b);
      const unit: Unit = { x: x[0], y: y[0], width: x[1] + 1 - x[0], height: y[1] + 1 - y[0], area: 0, members: [] };
      const ink = new UnitInk({ data, width, height }, labelled, (c) => unitOf[c] === 0, unit);
      const [unitRight, unitBottom] = [unit.x + unit.width, unit.y + unit.height];
      const left = unit.x + Math.floor(rng() * unit.width);
      const right = left + 1 + Math.floor(rng() * (unitRight - left));
      // Every pixel of the unit's rows between the cuts: mine unless it is another unit's stroke.
      const mine = (i: number) => data[i] !== 0 && (labels[i] < 0 || unitOf[labels[i]] === 0);
      let [x0, y0, x1, y1, strokes] = [Infinity, Infinity, -1, -1, 0];
      for (let py = unit.y; py < unitBottom; py++) {
        for (let px = left; px < right; px++) {
          const i = py * width + px;
          if (!mine(i)) continue;
          if (labels[i] >= 0) strokes++;
          [x0, y0, x1, y1] = [Math.min(x0, px), Math.min(y0, py), Math.max(x1, px), Math.max(y1, py)];
        }
      }
      const { box, strokes: measured } = ink.measure(left, right);
      assert.equal(measured, strokes);
      // Per column, for choosing cuts: the unit's stroke pixels, the row of the first and one past the last.
      for (let px = unit.x; px < unitRight; px++) {
        const rows = [];
        for (let py = unit.y; py < unitBottom; py++) if (mine(py * width + px) && labels[py * width + px] >= 0) rows.push(py);
        const c = px - unit.x;
        const expected = rows.length > 0 ? [rows.length, rows[0], rows.at(-1)! + 1] : [0, unitBottom, unit.y];
        assert.deepEqual([ink.strokes[c], ink.strokeTop[c], ink.strokeBottom[c]], expected, `picture ${t}, column ${px}`);
      }
      if (x1 < 0) {
        assert.equal(box, undefined, 'no ink between the cuts');
        continue;
      }
      assert.deepEqual(box, { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
      const expected = [];
      for (let py = y0; py <= y1; py++) for (let px = x0; px <= x1; px++) expected.push(mine(py * width + px) ? data[py * width + px] : 0);
      assert.deepEqual(Array.from(ink.crop(box!)), expected);
    }
  });
});
