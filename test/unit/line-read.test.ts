// The line reading's geometry: a digit's box comes back from the frames of its alignment through normaliseLine's scale
// and offset to the ink in the picture, and the length constraint reaches the reading.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLANK, CLASSES, type LineScores } from '../../src/reader/ctc-decode.js';
import { prepareLine, readLineScores } from '../../src/reader/line-read.js';
import type { Grey } from '../../src/imaging/mnist-normalise.js';

const BLOBS = [
  { x: 30, y: 22, width: 14, height: 30 },
  { x: 62, y: 18, width: 10, height: 36 },
  { x: 90, y: 26, width: 18, height: 24 },
];

/** Dark bars on white paper, one per blob; `speck`: and a dark speck far below the first, in its columns. */
function picture(speck = false): Grey {
  const [width, height] = [140, speck ? 200 : 80];
  const data = new Uint8Array(width * height).fill(255);
  for (const b of BLOBS) for (let y = b.y; y < b.y + b.height; y++) data.fill(0, y * width + b.x, y * width + b.x + b.width);
  if (speck) data.fill(0, 150 * width + 34, 150 * width + 37);
  return { data, width, height, alphaIsInk: false, lo: 0, hi: 255 };
}

/** Scores that say `digits[i]` (at 0.9) on the frame whose window is centred nearest blob i, blank elsewhere. */
function scoresFor(prepared: ReturnType<typeof prepareLine>, digits: number[]): LineScores {
  const { line, frames } = prepared;
  const data = new Float32Array(frames * CLASSES).fill(Math.log(0.01));
  const say = Array<number>(frames).fill(BLANK);
  BLOBS.forEach((b, i) => {
    const column = 8 + (b.x + b.width / 2 - prepared.page.x - line.ink.x) * line.scale;
    say[Math.min(frames - 1, Math.round((column - 13.5) / 4))] = digits[i]; // the last window's centre may fall short of the last digit's
  });
  say.forEach((c, t) => (data[t * CLASSES + c] = Math.log(0.9)));
  return { data, frames };
}

describe('the line reading', () => {
  it('puts each digit box on its own ink in the picture', () => {
    const prepared = prepareLine(picture());
    const read = readLineScores(scoresFor(prepared, [4, 1, 7]), prepared, { temperature: 1 });
    assert.equal(read.text, '417');
    assert.deepEqual(
      read.digits.map((d) => d.box),
      BLOBS,
    );
    for (const d of read.digits) assert.ok(d.confidence > 0.9 && d.probabilities.length === 10);
    assert.ok(read.confidence > 0.3 && read.confidence <= 1, String(read.confidence));
  });

  it("leaves a speck far from the writing out of the digits' boxes, as out of the line", () => {
    const prepared = prepareLine(picture(true));
    assert.ok(prepared.page.height > 130, 'the speck is on the ink page');
    const read = readLineScores(scoresFor(prepared, [4, 1, 7]), prepared, { temperature: 1 });
    assert.deepEqual(
      read.digits.map((d) => d.box),
      BLOBS,
    );
  });

  it('reads exactly N digits under ?length, with the posterior given that length', () => {
    const prepared = prepareLine(picture());
    const scores = scoresFor(prepared, [4, 1, 7]);
    const two = readLineScores(scores, prepared, { temperature: 1, length: 2 });
    assert.equal(two.text.length, 2);
    assert.equal(two.digits.length, 2);
    const three = readLineScores(scores, prepared, { temperature: 1, length: 3 });
    const free = readLineScores(scores, prepared, { temperature: 1 });
    assert.equal(three.text, '417');
    assert.ok(three.confidence >= free.confidence, 'knowing the length can only make the reading surer');
  });

  it('refuses a blank page and a line the model reads no digit in (422 no_digit_found)', () => {
    const blank: Grey = { data: new Uint8Array(50 * 30).fill(255), width: 50, height: 30, alphaIsInk: false, lo: 255, hi: 255 };
    assert.throws(() => prepareLine(blank), { code: 'no_digit_found' });
    const prepared = prepareLine(picture());
    const nothing = { data: new Float32Array(prepared.frames * CLASSES).fill(Math.log(0.01)), frames: prepared.frames };
    for (let t = 0; t < prepared.frames; t++) nothing.data[t * CLASSES + BLANK] = Math.log(0.9);
    assert.throws(() => readLineScores(nothing, prepared, { temperature: 1 }), { code: 'no_digit_found' });
  });
});
