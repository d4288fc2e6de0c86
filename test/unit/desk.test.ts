// A sheet photographed on a desk (src/imaging/desk.ts, #36): the desk round the sheet is not ink, so the line is the
// writing's, whether the desk is darker than mid-grey (the sheet was read as ink) or lighter (its edges were); and
// writing that meets the picture's edge, bold or cut by a tight crop, is never taken for a desk.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { inkPage } from '../../src/imaging/ink-page.js';
import type { Grey } from '../../src/imaging/mnist-normalise.js';
import { withoutDesk } from '../../src/imaging/desk.js';
import { loadMnist } from '../../src/train/mnist.js';
import { validationDigits } from '../../src/train/line-validation.js';

const digits = validationDigits(loadMnist().train);

/** Digit `label`'s first validation image, `scale` times its size, as a function of (x, y) → ink 0..1. */
function digitInk(label: number, scale: number): (x: number, y: number) => number {
  let i = 0;
  while (digits.labels[i] !== label) i++;
  return (x, y) => {
    const [u, v] = [Math.floor(x / scale), Math.floor(y / scale)];
    return u < 0 || v < 0 || u >= 28 || v >= 28 ? 0 : digits.images[i * 784 + v * 28 + u] / 255;
  };
}

/** A photo of `labels` written on a sheet (a tilted quadrilateral, its light falling off to one side) on a desk of
 * level `desk`, and the writing's box and strong pixels. */
function onDesk(labels: number[], desk: number) {
  const [width, height] = [420, 260];
  const corners = [
    [60, 30],
    [380, 18],
    [395, 235],
    [40, 228],
  ];
  // Signed distance inside the convex quadrilateral (positive inside), in pixels.
  const inside = (x: number, y: number) =>
    Math.min(
      ...corners.map(([x0, y0], k) => {
        const [x1, y1] = corners[(k + 1) % 4];
        return ((x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)) / Math.hypot(x1 - x0, y1 - y0);
      }),
    );
  const glyphs = labels.map((l) => digitInk(l, 2));
  const [left, top] = [110, 100];
  const writing = (x: number, y: number) => Math.max(0, ...glyphs.map((g, k) => g(x - left - 56 * k, y - top)));
  const rng = createRng(23);
  const data = new Uint8Array(width * height);
  let box = { x0: width, y0: height, x1: 0, y1: 0 };
  const strongAt = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const sheet = Math.max(0, Math.min(1, inside(x, y) + 0.5));
      const paper = 228 - 30 * (x / width);
      const ink = writing(x, y);
      const level = sheet * (paper - (paper - 35) * ink) + (1 - sheet) * (desk + 10 * Math.sin(x / 17 + y / 23));
      data[i] = Math.max(0, Math.min(255, Math.round(level + 10 * (rng() - 0.5))));
      if (ink > 0.25) box = { x0: Math.min(box.x0, x), y0: Math.min(box.y0, y), x1: Math.max(box.x1, x), y1: Math.max(box.y1, y) };
      if (ink > 0.63) strongAt[i] = 1;
    }
  const grey: Grey = { data, width, height, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
  return { grey, box, strong: (x: number, y: number) => strongAt[y * width + x] === 1 };
}

/** Bold digits cropped tight to their ink, on paper: strokes thickened to `pen` pixels, cut by every edge. */
function boldTight(labels: number[], pen: number): Grey {
  const glyphs = labels.map((l) => digitInk(l, 3));
  const [side, width, height] = [84, 84 * labels.length, 84];
  const ink = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let dy = -pen >> 1; dy <= pen >> 1; dy++)
        for (let dx = -pen >> 1; dx <= pen >> 1; dx++)
          v = Math.max(v, glyphs[Math.floor((x + dx) / side)]?.(((x + dx) % side) + 0, y + dy) ?? 0);
      ink[y * width + x] = v;
    }
  let [x0, y0, x1, y1] = [width, height, 0, 0];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink[y * width + x] > 0.25) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const data = new Uint8Array(w * h);
  const rng = createRng(29);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) data[y * w + x] = Math.round(230 - 200 * ink[(y + y0) * width + x + x0] + 8 * (rng() - 0.5));
  return { data, width: w, height: h, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
}

describe('a sheet photographed on a desk', () => {
  for (const [desk, name] of [
    [60, 'a dark desk (darker than mid-grey: the sheet was read as ink)'],
    [165, 'a lighter desk (its edges were ink)'],
  ] as const) {
    it(`${name}: the line is the writing, every stroke kept`, () => {
      const sheet = onDesk([5, 7, 1, 3, 8], desk);
      const page = inkPage(sheet.grey);
      const off = Math.max(
        Math.abs(page.x - sheet.box.x0),
        Math.abs(page.y - sheet.box.y0),
        Math.abs(page.x + page.width - 1 - sheet.box.x1),
        Math.abs(page.y + page.height - 1 - sheet.box.y1),
      );
      assert.ok(off <= 4, `the line's box is ${off} pixels from the writing's`);
      let lost = 0;
      for (let y = 0; y < sheet.grey.height; y++)
        for (let x = 0; x < sheet.grey.width; x++) {
          if (!sheet.strong(x, y)) continue;
          const at = x >= page.x && x < page.x + page.width && y >= page.y && y < page.y + page.height;
          if (!at || page.data[(y - page.y) * page.width + x - page.x] === 0) lost++;
        }
      assert.equal(lost, 0, `${lost} strong pixels of the writing lost`);
    });
  }

  for (const [labels, pen] of [
    [[0, 0, 0, 0], 9],
    [[8, 8, 8], 11],
    [[7, 1, 7], 9],
    [[0], 13],
  ] as const) {
    it(`bold ${labels.join('')} cropped tight (strokes ${pen} pixels, cut by the edges) is no desk: the picture is left as it is`, () => {
      const grey = boldTight([...labels], pen);
      const before = grey.data.slice();
      withoutDesk(grey);
      assert.ok(
        grey.data.every((v, i) => v === before[i]),
        'withoutDesk changed the picture',
      );
    });
  }
});
