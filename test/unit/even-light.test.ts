// The even-light step of inkPage (src/imaging/ink-page.ts) on synthetic paper whose light is known exactly: a gradient
// and a soft shadow's edge must come out as paper, and ink in the shade must keep its contrast.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { inkPage, paperLevels } from '../../src/imaging/ink-page.js';
import type { Grey } from '../../src/imaging/mnist-normalise.js';

const [WIDTH, HEIGHT] = [400, 120];
/** Three upright strokes (6 px wide, rows 30–89), at these columns: one in the light, one in the penumbra, one in the
 * shade. */
const STROKES = [60, 200, 330];
const inStroke = (x: number, y: number) => y >= 30 && y < 90 && STROKES.some((s) => x >= s && x < s + 6);

/** Light across the page: full on the left, a shadow's soft edge from x = 160 to 220 down to 35 %, and a gentle fall
 * from top to bottom. */
const light = (x: number, y: number) => (1 - 0.65 * Math.min(1, Math.max(0, (x - 160) / 60))) * (1 - (0.15 * y) / HEIGHT);

/** Paper (reflectance 0.85) and ink (0.15) under `light`, with a little grain, as one byte per pixel. */
function photo(): Grey {
  const rng = createRng(7);
  const data = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const v = 255 * light(x, y) * (inStroke(x, y) ? 0.15 : 0.85) + 4 * (rng() - 0.5);
      data[y * WIDTH + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { data, width: WIDTH, height: HEIGHT, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
}

describe('even light', () => {
  it("estimates a gradient's paper exactly, up to the picture's edges (no window cut short)", () => {
    // Paper alone, as ink levels (255 − grey): a ramp across x and down y, steeper than any shadow's edge here.
    const data = new Uint8Array(WIDTH * HEIGHT);
    for (let y = 0; y < HEIGHT; y++)
      for (let x = 0; x < WIDTH; x++) data[y * WIDTH + x] = Math.round(20 + (150 * x) / WIDTH + (40 * y) / HEIGHT);
    const { levels, cols, rows, cell } = paperLevels(data, WIDTH, HEIGHT);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        // The cell's lower quartile of a ramp: within a cell's rise of the ramp at its centre.
        const [x, y] = [Math.min(WIDTH - 1, c * cell + cell / 2), Math.min(HEIGHT - 1, r * cell + cell / 2)];
        const expected = 20 + (150 * x) / WIDTH + (40 * y) / HEIGHT;
        assert.ok(
          Math.abs(levels[r * cols + c] - expected) <= cell * (150 / WIDTH + 40 / HEIGHT),
          `cell ${c},${r}: ${levels[r * cols + c]} vs ${expected}`,
        );
      }
    }
  });

  it("takes a soft shadow's edge as paper: the ink's box is the strokes' box", () => {
    const page = inkPage(photo());
    // The strokes span x 60–335, y 30–89; blur-free, so the box is theirs to a pixel.
    assert.deepEqual({ x: page.x, y: page.y, width: page.width, height: page.height }, { x: 60, y: 30, width: 276, height: 60 });
  });

  it('keeps the contrast of ink in the shade (light divided out, not subtracted)', () => {
    const page = inkPage(photo());
    const meanOf = (at: number) => {
      let sum = 0;
      for (let y = 40; y < 80; y++) for (let x = at + 1; x < at + 5; x++) sum += page.data[(y - page.y) * page.width + x - page.x];
      return sum / (40 * 4);
    };
    const [lit, half, shade] = STROKES.map(meanOf);
    assert.ok(lit > 200, `the stroke in the light: ${lit}`);
    for (const v of [half, shade]) assert.ok(Math.abs(v - lit) < 0.1 * lit, `a stroke in the shadow ${v} against ${lit} in the light`);
    // And the paper between the strokes is paper, in the light and in the shade.
    for (const x of [120, 250, 380].filter((x) => x < page.x + page.width))
      assert.equal(page.data[(60 - page.y) * page.width + x - page.x], 0);
  });
});
