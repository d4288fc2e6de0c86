// The combined reader's answer from its two readings (src/reader/combined.ts combine): an agreement is wrong only if both
// readers are, so its confidence is 1 − (1 − pL)(1 − pS); a disagreement answers the string both readers together find
// likelier, never at a confidence above 0. The line model's chance of the other string comes from real CTC sums
// (line-read.ts lineChance) over hand-written columns of scores.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { combine, segmentedChanceOf } from '../../src/reader/combined.js';
import { BLANK, CLASSES, type LineScores } from '../../src/reader/ctc-decode.js';
import { lineChance } from '../../src/reader/line-read.js';

/** Columns of scores, each a map from class to probability (the rest spread evenly), as log-probabilities. */
function columns(...frames: Array<Record<number, number>>): LineScores {
  const data = new Float32Array(frames.length * CLASSES);
  frames.forEach((frame, t) => {
    const given = Object.values(frame).reduce((a, b) => a + b, 0);
    const rest = (1 - given) / (CLASSES - Object.keys(frame).length);
    for (let k = 0; k < CLASSES; k++) data[t * CLASSES + k] = Math.log(frame[k] ?? rest);
  });
  return { data, frames: frames.length };
}

/** A segmentation reading of `text` whose digits give their own digit `sure` and `second` (when set) the rest. */
function segmented(text: string, sure: number, second: Record<number, [number, number]> = {}) {
  const digits = [...text].map((d, i) => {
    const probabilities = Array.from({ length: 10 }, () => (1 - sure) / 9);
    probabilities[Number(d)] = sure;
    const [other, p] = second[i] ?? [-1, 0];
    if (other >= 0) {
      probabilities[other] = p;
      probabilities[Number(d)] = 1 - p - (8 * (1 - sure)) / 9;
    }
    return { digit: Number(d), probabilities };
  });
  return { text, confidence: digits.reduce((c, d) => c * d.probabilities[d.digit], 1), digits };
}

const line = (text: string, confidence: number, scores: LineScores) => ({
  reading: { text, confidence },
  chanceOf: lineChance(scores, { temperature: 1 }),
});

// "90" clearly, then a column that is a 1 or nothing: the line model reads "901" at 0.6 and gives "90" the rest.
const nineZeroMaybeOne = columns({ 9: 0.98 }, { [BLANK]: 0.98 }, { 0: 0.98 }, { 1: 0.6, [BLANK]: 0.39 });

describe('combine', () => {
  it("answers the line model's reading where both readers read the same string, at the chance they are not both wrong", () => {
    const scores = columns({ 7: 0.9 });
    const answer = combine({ text: '7', confidence: 0.5, digits: [] }, line('7', 0.9, scores));
    assert.equal(answer?.from, 'line');
    assert.ok(Math.abs(answer!.confidence - 0.95) < 1e-12, `1 − 0.1 × 0.5 = 0.95, got ${answer!.confidence}`);
    // Never below either reader's own confidence, and certain only where one of them is.
    assert.ok(Math.abs(combine({ text: '7', confidence: 0, digits: [] }, line('7', 0.3, scores))!.confidence - 0.3) < 1e-12);
    assert.equal(combine({ text: '7', confidence: 1, digits: [] }, line('7', 0.3, scores))?.confidence, 1);
  });

  it("weighs each string by both readers: the line model's chance of the segmentation reader's, and the other way", () => {
    const lineSays = line('901', 0.6, nineZeroMaybeOne);
    // Mostly the alignment 9 _ 0 _ (0.98³ × 0.39 = 0.367), and a little of the others.
    const ninety = lineSays.chanceOf('90');
    assert.ok(ninety > 0.367 && ninety < 0.38, `P(90) = ${ninety}`);
    // The segmentation reader is sure of "90" (0.81); it read two digits, so all it can give "901" is 1 − 0.81. The
    // line model gives "90" 0.37: 0.81 × 0.37 = 0.30 > 0.6 × 0.19 = 0.11, and the segmentation reader's string answers.
    const sure = segmented('90', 0.9);
    assert.deepEqual(combine(sure, lineSays), { from: 'segmentation', reading: sure, confidence: 0 });
    // A segmentation reader more confident than the line model, of a string the line model all but rules out ("990": no
    // column holds a second 9), loses to it: 0.73 × ~0 < 0.6 × 0.27.
    const splitNine = segmented('990', 0.9);
    assert.ok(splitNine.confidence > lineSays.reading.confidence);
    assert.ok(lineSays.chanceOf('990') < 1e-3, `P(990) = ${lineSays.chanceOf('990')}`);
    assert.deepEqual(combine(splitNine, lineSays), { from: 'line', reading: lineSays.reading, confidence: 0 });
  });

  it("reads the line model's string through the segmentation reader's digits where both read as many", () => {
    // Three digits each: the segmentation reader reads "907" but its last digit is torn between 7 and 1 (0.5 / 0.41),
    // so it gives the line model's "901" 0.41 × 0.9² of its 0.5 × 0.9²; the line model gives "907" almost nothing.
    const torn = segmented('907', 0.9, { 2: [1, 0.41] });
    assert.ok(Math.abs(segmentedChanceOf(torn, '901') - 0.9 * 0.9 * 0.41) < 1e-12);
    assert.ok(Math.abs(segmentedChanceOf(torn, '907') - torn.confidence) < 1e-12);
    const lineSays = line('901', 0.6, nineZeroMaybeOne);
    assert.deepEqual(combine(torn, lineSays), { from: 'line', reading: lineSays.reading, confidence: 0 });
    // With a length, each reader's chance is given that length: the line model's chance of a string of another is none.
    const given = lineChance(nineZeroMaybeOne, { temperature: 1, length: 3 });
    assert.equal(given('90'), 0);
    // Given three digits, the last column is the 1 (0.6 of it; the rest spread over the other digits).
    assert.ok(given('901') > 0.9, `P(901 | 3 digits) = ${given('901')}`);
  });

  it("keeps the line model's string on a tie, and where the segmentation reader read nothing", () => {
    const scores = columns({ 7: 0.5, 1: 0.5 });
    const lineSays = line('7', 0.5, scores);
    const one = { text: '1', confidence: 0.5, digits: [{ probabilities: [0, 0.5, 0, 0, 0, 0, 0, 0.5, 0, 0] }] };
    assert.deepEqual(combine(one, lineSays), { from: 'line', reading: lineSays.reading, confidence: 0 });
    assert.deepEqual(combine(undefined, lineSays), { from: 'line', reading: lineSays.reading, confidence: 0 });
  });

  it("answers the segmentation reader's reading at confidence 0 where the line model read nothing; nothing where neither did", () => {
    const reading = segmented('1', 0.99);
    assert.deepEqual(combine(reading, undefined), { from: 'segmentation', reading, confidence: 0 });
    assert.equal(combine(undefined, undefined), undefined);
  });
});
