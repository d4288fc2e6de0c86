// A number cropped tight to its ink keeps all of it (#36): a stroke cut by the picture's edge, a 7's bar along the top
// or a 2's foot along the bottom, is writing, and nothing /read's imaging does to a page may take it for something else
// (an attack on a desk eraser found tight crops losing whole digits).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/model/random.js';
import { inkPage } from '../../src/imaging/ink-page.js';
import { strongPixels } from '../helpers/ink-page.js';
import type { Grey } from '../../src/imaging/mnist-normalise.js';
import { loadMnist } from '../../src/train/mnist.js';
import { validationDigits } from '../../src/train/line-validation.js';

const digits = validationDigits(loadMnist().train);

/** Digits of `labels` (validation MNIST, the first of each), twice their size, side by side, dark ink on grainy paper,
 * cropped to the ink's box (level > 60), and which of its pixels are strong ink. */
function tightNumber(labels: number[]): { grey: Grey; strong: (x: number, y: number) => boolean } {
  const scale = 2;
  const side = 28 * scale;
  const [width, height] = [side * labels.length, side];
  const ink = new Uint8Array(width * height);
  labels.forEach((label, k) => {
    let i = 0;
    while (digits.labels[i] !== label) i++;
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++)
        ink[y * width + k * side + x] = digits.images[i * 784 + Math.floor(y / scale) * 28 + Math.floor(x / scale)];
  });
  let [x0, y0, x1, y1] = [width, height, 0, 0];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      if (ink[y * width + x] > 60) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const rng = createRng(5);
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      data[y * w + x] = Math.max(0, Math.min(255, Math.round(235 - (205 * ink[(y0 + y) * width + x0 + x]) / 255 + 14 * (rng() - 0.5))));
  const grey = { data, width: w, height: h, alphaIsInk: false, lo: Math.min(...data), hi: Math.max(...data) };
  return { grey, strong: (x, y) => ink[(y0 + y) * width + x0 + x] > 160 };
}

describe('a number cropped tight to its ink', () => {
  for (const labels of [[7], [1, 7], [7, 7], [2, 2, 5], [1, 2, 3, 4], [4, 7, 1, 0], [9, 5, 1, 0, 0, 8, 2]]) {
    it(`keeps every stroke of ${labels.join('')}: each pixel of strong ink is still ink on the line's page`, () => {
      const { grey, strong } = tightNumber(labels);
      const { kept, lost } = strongPixels(inkPage(grey), grey, strong);
      assert.equal(lost, 0, `${lost} of ${lost + kept} strong pixels lost`);
    });
  }
});
