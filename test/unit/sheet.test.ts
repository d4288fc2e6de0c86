// A sheet photographed on a desk (src/imaging/sheet.ts, #36): the desk round it is filled with the sheet's light, so the
// page is read as dark ink on light paper and its line is the writing, not the sheet; what is not a desk's straight
// edge (a vignette's dark corners, a bold stroke on a tight crop's border, a desk on one side only) is left as it is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { inkPage } from '../../src/imaging/ink-page.js';
import { polarity, type Grey } from '../../src/imaging/mnist-normalise.js';
import { withoutDesk } from '../../src/imaging/sheet.js';
import { strongPixels } from '../helpers/ink-page.js';
import { loadMnist } from '../../src/train/mnist.js';
import { validationDigits } from '../../src/train/line-validation.js';

const digits = validationDigits(loadMnist().train);
const [PAPER, INK] = [200, 50];

interface Scene {
  /** The desk's level and how far in the sheet's edge lies from each side (top, bottom, left, right), as shares of the
   * picture; 0 on a side: the sheet runs past it. */
  desk?: { level: number; inset: [number, number, number, number]; tilt: number; shadow?: boolean; falloff?: number; blur?: number };
  /** Paper darkened towards the corners by up to this many levels (a phone's vignette). */
  vignette?: number;
  /** The writing's left edge, as a share of the width. */
  left?: number;
  /** Digits this many pixels tall. */
  side?: number;
}

/** The digits of `labels` (validation MNIST, the first of each) written dark on light paper, and where their strong ink is. */
function photograph(labels: number[], scene: Scene): { grey: Grey; strong: (x: number, y: number) => boolean } {
  const side = scene.side ?? 56;
  const [width, height] = [Math.max(300, side * labels.length + 160), 220];
  const [left, top] = [Math.round((scene.left ?? 0.2) * width), Math.round((height - side) / 2)];
  const writing = new Uint8Array(width * height);
  labels.forEach((label, k) => {
    let i = 0;
    while (digits.labels[i] !== label) i++;
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const [px, py] = [left + k * side + x, top + y];
        if (px < width) writing[py * width + px] = digits.images[i * 784 + Math.floor((y * 28) / side) * 28 + Math.floor((x * 28) / side)];
      }
  });
  const rng = createRng(5);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = [x / width - 0.5, y / height - 0.5];
      let level = PAPER - (scene.vignette ?? 0) * 2 * (u * u + v * v) - ((PAPER - INK) * writing[y * width + x]) / 255;
      const desk = scene.desk;
      if (desk) {
        const [t, b, l, r] = desk.inset;
        const shift = desk.tilt * (x - width / 2);
        // How far the pixel lies inside the sheet past its nearest edge (negative: on the desk).
        const inside = Math.min(
          t > 0 ? y - (t * height + shift) : Infinity,
          b > 0 ? height * (1 - b) + shift - y : Infinity,
          l > 0 ? x - (l * width - desk.tilt * (y - height / 2)) : Infinity,
          r > 0 ? width * (1 - r) - desk.tilt * (y - height / 2) - x : Infinity,
        );
        // Light falls off towards the corners on the desk too; a blurred edge runs from the desk to the paper.
        const deskLevel = desk.level - (desk.falloff ?? 0) * 2 * (u * u + v * v);
        const blur = desk.blur ?? 0;
        // A shadow darkens what lies under it, writing too; a desk hides it.
        if (inside < 0) level = desk.shadow ? (level * desk.level) / PAPER : deskLevel;
        else if (inside < blur && !desk.shadow) level = deskLevel + ((level - deskLevel) * inside) / blur;
      }
      data[y * width + x] = Math.max(0, Math.min(255, Math.round(level + 10 * (rng() - 0.5))));
    }
  }
  let [lo, hi] = [255, 0];
  for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return { grey: { data, width, height, alphaIsInk: false, lo, hi }, strong: (x, y) => writing[y * width + x] > 160 };
}

const DARK_DESK = { level: 40, inset: [0.1, 0.08, 0.06, 0.09] as [number, number, number, number], tilt: 0.03 };

/** The border alone reads the dark desk as the paper (so the test can fail); with the desk filled, the sheet is paper. */
function deskFilledAsPaper(grey: Grey) {
  assert.equal(polarity(grey).inverted, false, 'the border alone reads the dark desk as the paper (the test can fail)');
  assert.equal(polarity(withoutDesk(grey)).inverted, true);
}

/** The line's page is the writing's height, not the sheet's, and keeps every strong stroke. */
function lineIsTheWriting({ grey, strong }: ReturnType<typeof photograph>) {
  const page = inkPage(grey);
  assert.ok(page.height < 90, `the line's page is ${page.width}×${page.height}, not the writing`);
  assert.equal(strongPixels(page, grey, strong).lost, 0);
}

describe('a sheet on a desk', () => {
  it('a dark desk all round: the page is dark ink on light paper, its line is the writing, every stroke kept', () => {
    const picture = photograph([2, 7, 9, 3, 0], { desk: DARK_DESK });
    deskFilledAsPaper(picture.grey);
    lineIsTheWriting(picture);
  });

  it('light falling off towards the corners, on the desk and on the sheet, is not writing crossing an edge: filled', () => {
    const desk = { ...DARK_DESK, level: 90, falloff: 80 };
    const picture = photograph([3, 8, 6, 7], { desk, vignette: 60 });
    deskFilledAsPaper(picture.grey);
    lineIsTheWriting(picture);
  });

  it("a vignette on the sheet: the fill follows the sheet's light into its corners, the line's box is the writing", () => {
    // A fill of the picture's one paper level left a step where it met the darkened corners, and the step was ink.
    lineIsTheWriting(photograph([5, 2, 9, 0], { desk: DARK_DESK, vignette: 90 }));
  });

  it("blurred edges: a corner's fill takes the sheet's light, not the blur of the edge it meets", () => {
    // Over the corner, what lies just inside one side's edge is the other side's blurred edge, near the paper's level.
    lineIsTheWriting(photograph([4, 1, 7, 2], { desk: { ...DARK_DESK, level: 120, blur: 4 } }));
  });

  it('a light desk on three sides: filled, the sheet edges not in the line', () => {
    const { grey, strong } = photograph([5, 0, 1], { desk: { level: 250, inset: [0.12, 0, 0.08, 0.07], tilt: -0.02 } });
    const page = inkPage(grey);
    assert.ok(page.height < 90 && page.y > 0.12 * grey.height, `page at y ${page.y}, ${page.width}×${page.height}`);
    assert.equal(strongPixels(page, grey, strong).lost, 0);
  });

  it('a digit touching the sheet edge keeps what lies inside the sheet', () => {
    const { grey, strong } = photograph([8, 4, 6], { desk: DARK_DESK, left: 0.04 });
    const page = inkPage(grey);
    const edge = Math.ceil(0.06 * grey.width + 0.03 * grey.height) + 3;
    const inside = (x: number, y: number) => strong(x, y) && x > edge;
    assert.equal(strongPixels(page, grey, inside).lost, 0);
  });

  it('left as it is: plain paper, a vignette, a desk on two sides only, a bold number cropped to its ink', () => {
    // A boolean, not assert.equal on the pictures: node:test would diff two arrays of 70,000 bytes for minutes.
    const same = (grey: Grey) => assert.ok(withoutDesk(grey) === grey, 'the picture was changed');
    same(photograph([1, 2, 3], {}).grey);
    same(photograph([4, 5, 6], { vignette: 160 }).grey);
    same(photograph([7, 8, 9], { desk: { level: 40, inset: [0.1, 0, 0.1, 0], tilt: 0.02 } }).grey);
    // Digits 220 px tall in a picture 220 px tall: their strokes run into every side.
    same(photograph([0, 8, 0], { side: 220, left: 0 }).grey);
  });

  it('a shadow over three sides with writing under it is not a desk: left as it is', () => {
    const shadow = { level: 110, inset: [0.12, 0.1, 0.22, 0.08] as [number, number, number, number], tilt: 0, shadow: true };
    const { grey } = photograph([6, 1, 9], { desk: shadow, left: 0.12 });
    assert.ok(withoutDesk(grey) === grey, 'the shadow was filled, the writing under it with it');
  });
});
