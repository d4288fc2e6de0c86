// Printed rules on the page (src/imaging/rules.ts, #36): a number written on ruled or squared paper is read in the box
// of its writing, not of the sheet, with every stroke kept; rules as dark as the writing, a single line and plain paper
// are left as they are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { inkPage, evenLight } from '../../src/imaging/ink-page.js';
import { toInk, type Grey } from '../../src/imaging/mnist-normalise.js';
import { withoutRules } from '../../src/imaging/rules.js';
import { strongPixels } from '../helpers/ink-page.js';
import { loadMnist } from '../../src/train/mnist.js';
import { validationDigits } from '../../src/train/line-validation.js';

const digits = validationDigits(loadMnist().train);
const [PAPER, INK] = [232, 40];

interface Sheet {
  /** Rows of horizontal rules every `every` pixels (0: none), tilted by `tilt` radians, `level` of the way to ink. */
  rules?: { every: number; tilt: number; level: number; thick: number };
  /** Columns of a grid, likewise. */
  columns?: { every: number; level: number; thick: number };
  /** Extra lines: [y, level] each, one pixel thick, across the whole page. */
  lines?: Array<[number, number]>;
}

/** The digits of `labels` (validation MNIST, the first of each), twice their size, on a sheet with margins, and where
 * their strong ink is (the test's truth, in the picture's pixels). */
function writeOn(
  labels: number[],
  sheet: Sheet,
): { grey: Grey; box: { x0: number; y0: number; x1: number; y1: number }; strong: (x: number, y: number) => boolean } {
  const [side, left, top] = [56, 70, 60];
  const [width, height] = [side * labels.length + 2 * left, side + 2 * top];
  const writing = new Uint8Array(width * height);
  labels.forEach((label, k) => {
    let i = 0;
    while (digits.labels[i] !== label) i++;
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) writing[(top + y) * width + left + k * side + x] = digits.images[i * 784 + (y >> 1) * 28 + (x >> 1)];
  });
  const printed = new Float32Array(width * height);
  const { rules, columns, lines = [] } = sheet;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let p = 0;
      if (rules) {
        const off = (((y - x * Math.tan(rules.tilt) - 7) % rules.every) + rules.every) % rules.every;
        const d = Math.min(off, rules.every - off);
        if (d < rules.thick) p = Math.max(p, rules.level);
      }
      if (columns) {
        const off = (((x - 11) % columns.every) + columns.every) % columns.every;
        if (Math.min(off, columns.every - off) < columns.thick) p = Math.max(p, columns.level);
      }
      for (const [at, level] of lines) if (y === at) p = Math.max(p, level);
      printed[y * width + x] = p;
    }
  }
  const rng = createRng(11);
  const data = new Uint8Array(width * height);
  let box = { x0: width, y0: height, x1: 0, y1: 0 };
  for (let i = 0; i < data.length; i++) {
    const ink = Math.max(writing[i] / 255, printed[i]);
    data[i] = Math.max(0, Math.min(255, Math.round(PAPER - (PAPER - INK) * ink + 12 * (rng() - 0.5))));
    if (writing[i] > 60) {
      const [x, y] = [i % width, Math.floor(i / width)];
      box = { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) };
    }
  }
  const grey = { data, width, height, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
  return { grey, box, strong: (x, y) => writing[y * width + x] > 160 };
}

/** The line's page of `sheet`: how far its box is from the writing's (the largest of the four sides' distances), and
 * how many of the writing's strong pixels it lost. */
function readPage(sheet: ReturnType<typeof writeOn>) {
  const page = inkPage(sheet.grey);
  const off = Math.max(
    Math.abs(page.x - sheet.box.x0),
    Math.abs(page.y - sheet.box.y0),
    Math.abs(page.x + page.width - 1 - sheet.box.x1),
    Math.abs(page.y + page.height - 1 - sheet.box.y1),
  );
  const { lost } = strongPixels(page, sheet.grey, sheet.strong);
  return { off, lost, page };
}

/** The page's ink after even light, and the same after withoutRules: whether withoutRules changed any pixel. */
function rulesChange(grey: Grey): boolean {
  const ink = evenLight(toInk({ ...grey, data: grey.data.slice() }));
  const before = ink.data.slice();
  return !withoutRules(ink).data.every((v, i) => v === before[i]);
}

/** Sevens drawn with straight strokes (a bar and a stem, `pen` pixels wide), their bars on one row, light (`light` of
 * the way to full ink) but for the second, dark; and faint lines across the page at `lines` ([y, level] each): the
 * attack that found a row of light bars and an underline taken for a sheet's two rules. Cropped `margin` pixels round
 * the writing. Returns the picture and which of its pixels are the writing's strokes. */
function sevens(count: number, light: number, lines: Array<[number, number]>, margin: number, pen = 4) {
  const [side, top, left] = [48, 40, 30];
  const [width, height] = [left * 2 + side * count, top * 2 + side];
  const writing = new Float32Array(width * height);
  const paint = (x: number, y: number, level: number) => {
    if (x >= 0 && y >= 0 && x < width && y < height) writing[y * width + x] = Math.max(writing[y * width + x], level);
  };
  for (let k = 0; k < count; k++) {
    const level = k === 1 ? 1 : light;
    const x0 = left + k * side + 4;
    for (let x = x0; x < x0 + 40; x++) for (let t = 0; t < pen; t++) paint(x, top + t, level);
    for (let y = top; y < top + side; y++) for (let t = 0; t < pen; t++) paint(Math.round(x0 + 36 - ((y - top) * 20) / side) + t, y, level);
  }
  const rng = createRng(17);
  const [x0, y0] = [left - margin, top - margin];
  const [w, h] = [width - 2 * x0, height - 2 * y0];
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let ink = writing[(y + y0) * width + x + x0];
      for (const [at, level] of lines) if (y + y0 === at || y + y0 === at + 1) ink = Math.max(ink, level);
      data[y * w + x] = Math.max(0, Math.min(255, Math.round(PAPER - (PAPER - INK) * ink + 12 * (rng() - 0.5))));
    }
  const grey = { data, width: w, height: h, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
  return { grey, strong: (x: number, y: number) => writing[(y + y0) * width + x + x0] > 0 };
}

/** How many of the writing's pixels the line's page lost. */
function strokesLost({ grey, strong }: ReturnType<typeof sevens>): number {
  return strongPixels(inkPage(grey), grey, strong).lost;
}

describe('printed rules on the page', () => {
  it('squared paper: the line is the writing, not the sheet, and keeps every stroke', () => {
    const sheet = writeOn([3, 0, 4, 7, 5], {
      rules: { every: 26, tilt: 0.02, level: 0.45, thick: 1 },
      columns: { every: 26, level: 0.45, thick: 1 },
    });
    const { off, lost } = readPage(sheet);
    assert.ok(off <= 3, `the line's box is ${off} pixels from the writing's`);
    assert.equal(lost, 0, `${lost} strong pixels of the writing lost`);
  });

  it('ruled paper, tilted and two pixels thick: the same', () => {
    const sheet = writeOn([9, 5, 1, 0, 8], { rules: { every: 44, tilt: -0.05, level: 0.35, thick: 1.2 } });
    const { off, lost } = readPage(sheet);
    assert.ok(off <= 3, `the line's box is ${off} pixels from the writing's`);
    assert.equal(lost, 0, `${lost} strong pixels of the writing lost`);
  });

  it('the same sheets without the eraser would read the whole sheet (the test can fail)', () => {
    // Rules as strong as the writing are never taken for printing: the box then runs to the sheet's edges.
    const sheet = writeOn([3, 0, 4, 7, 5], {
      rules: { every: 26, tilt: 0.02, level: 1, thick: 1 },
      columns: { every: 26, level: 1, thick: 1 },
    });
    const { page } = readPage(sheet);
    assert.ok(page.width > sheet.grey.width - 10 && page.height > sheet.grey.height - 10, `box ${page.width}×${page.height}`);
    assert.equal(rulesChange(sheet.grey), false);
  });

  it('one faint line across the page (an underline, a single rule) is not printing: the page is left as it is', () => {
    const sheet = writeOn([2, 6, 1], { lines: [[60 + 58, 0.4]] });
    assert.equal(rulesChange(sheet.grey), false);
  });

  it('plain paper is left as it is', () => {
    assert.equal(rulesChange(writeOn([1, 2, 3, 4, 5], {}).grey), false);
  });

  it('a page of two faint lines is changed (the check above can tell)', () => {
    const sheet = writeOn([2, 6, 1], {
      lines: [
        [30, 0.4],
        [60 + 58, 0.4],
      ],
    });
    assert.equal(rulesChange(sheet.grey), true);
  });
  it('a row of light 7s whose bars line up, and an underline as faint: not a sheet, every bar kept', () => {
    // One dark 7 makes the light bars "fainter than the writing"; the bars and the underline are two straight lines.
    assert.equal(strokesLost(sevens(5, 0.54, [[92, 0.3]], 6, 2)), 0);
    assert.equal(strokesLost(sevens(4, 0.5, [[90, 0.3]], 3, 2)), 0);
  });

  it('light 7s cropped close on ruled paper, a rule along their bars: every bar kept', () => {
    // Two pixels from the edge: at none, the ring the paper is read from is the light bars themselves, with or without
    // rules (inkPage's polarity, not this step).
    assert.equal(
      strokesLost(
        sevens(
          4,
          0.4,
          [
            [41, 0.3],
            [41 + 30, 0.3],
            [41 + 60, 0.3],
            [41 - 30, 0.3],
          ],
          2,
        ),
      ),
      0,
    );
  });
});

describe('a sheet with nothing written on it', () => {
  const blank = (sheet: Sheet) =>
    assert.throws(
      () => inkPage(writeOn([], sheet).grey),
      (e: Error & { code?: string }) => e.code === 'no_digit_found',
    );
  it('ruled or squared, faint or as dark as ink: blank (no_digit_found), not its rules read as a number', () => {
    blank({ rules: { every: 30, tilt: 0.03, level: 0.4, thick: 1.2 } });
    blank({ rules: { every: 26, tilt: 0, level: 0.45, thick: 1 }, columns: { every: 26, level: 0.45, thick: 1 } });
    blank({ rules: { every: 26, tilt: 0, level: 1, thick: 1 }, columns: { every: 26, level: 1, thick: 1 } });
  });

  it('what is written on it is kept: a stroke beside the rules is not erased with them', () => {
    const sheet = writeOn([1], { rules: { every: 30, tilt: 0.03, level: 0.4, thick: 1.2 } });
    const { off, lost } = readPage(sheet);
    assert.ok(off <= 3, `the line's box is ${off} pixels from the writing's`);
    assert.equal(lost, 0);
  });
});
