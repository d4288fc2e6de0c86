// Reading a number with the line model: the picture's ink (inkPage, as the segmentation reader and /predict find it)
// → normaliseLine → (the caller runs the model) → the most likely string by prefix beam search, its posterior as the
// confidence, each digit's probabilities given the rest, and each digit's box from the most likely alignment.
import { LINE_MARGIN, normaliseLine, type NormalisedLine } from '../imaging/line.js';
import { FRAME_SPAN, FRAME_STRIDE, lineFrames } from '../model/line.js';
import { PreprocessError } from '../imaging/errors.js';
import { inkPage, type InkPage } from '../imaging/ink-page.js';
import type { Grey } from '../imaging/mnist-normalise.js';
import {
  align,
  beamSearch,
  digitPosteriors,
  logProbability,
  logProbabilityOfLength,
  withTemperature,
  type LineScores,
} from './ctc-decode.js';
import type { Box } from '../imaging/box.js';

/** Prefix beam search's width: fixed in docs/performance.md's rule for #36 before any model was read, not tuned. */
export const LINE_BEAM = 8;
/** The widest normalised line read: 32 digits (MAX_DIGITS) with gaps of two digit heights fit in it, and it bounds
 * what one line (28 × 2048 floats, 229 KB) and a padded batch of them may take. */
export const LINE_MAX_WIDTH = 2048;
/** Ink level (0..255 in the ink page) from which a pixel counts when a digit's box is fitted to its ink. */
const BOX_INK = 64;

export interface PreparedLine {
  line: NormalisedLine;
  /** The line's ink, cropped from the decoded picture at (page.x, page.y). */
  page: InkPage;
  /** Columns of scores the model gives for this line alone. */
  frames: number;
}

/** A picture's line, ready for the model (`inkOf`: its ink page, where the caller has found it already). Throws 422
 * no_digit_found when nothing stands out from the paper, and 422 too_many_digits when the line is longer than
 * LINE_MAX_WIDTH once scaled to the model's height. */
export function prepareLine(grey: Grey, inkOf: (grey: Grey) => InkPage = inkPage): PreparedLine {
  const page = inkOf(grey);
  const line = normaliseLine(page);
  if (!line) throw new PreprocessError('no_digit_found', 'no digit could be read in the image');
  if (line.width > LINE_MAX_WIDTH) {
    throw new PreprocessError(
      'too_many_digits',
      `the writing is ${line.width} columns long at the model's height; at most ${LINE_MAX_WIDTH} are read`,
    );
  }
  return { line, page, frames: lineFrames(line.width) };
}

export interface LineDigit {
  digit: number;
  /** P(this digit | the line and the other digits read), calibrated. */
  confidence: number;
  /** Where the digit's ink is, in the decoded picture's pixels. */
  box: Box;
  /** The same for each of the ten digits. */
  probabilities: number[];
}

export interface LineReading {
  text: string;
  /** P(text | line), or P(text | line, N digits) with a length: the model's posterior, calibrated. */
  confidence: number;
  digits: LineDigit[];
}

export interface LineReadOptions {
  temperature: number;
  length?: number;
  beam?: number;
}

/** The reading of one line's scores. Throws 422 no_digit_found when the model reads no digit (or not `length`). */
export function readLineScores(raw: LineScores, prepared: PreparedLine, opts: LineReadOptions): LineReading {
  const scores = withTemperature(raw, opts.temperature);
  const [best] = beamSearch(scores, opts.beam ?? LINE_BEAM, { length: opts.length, first: true });
  if (!best || best.labels.length === 0) throw new PreprocessError('no_digit_found', 'no digit could be read in the image');
  const logP = opts.length === undefined ? best.logP : best.logP - logProbabilityOfLength(scores, opts.length);
  const spans = align(scores, best.labels)!;
  const boxes = digitBoxes(spans, prepared);
  const posteriors = digitPosteriors(scores, best.labels);
  return {
    text: best.labels.join(''),
    confidence: Math.min(1, Math.exp(logP)),
    digits: best.labels.map((digit, i) => ({ digit, confidence: posteriors[i][digit], box: boxes[i], probabilities: posteriors[i] })),
  };
}

/** The line model's chance of any string of digits on this line: P(text | line), or P(text | line, N digits) with a
 * length (0 for a string of another length), at the model's temperature — what the combined reader asks it of the
 * segmentation reader's string where the two differ (src/reader/combined.ts). */
export function lineChance(raw: LineScores, opts: { temperature: number; length?: number }): (text: string) => number {
  let scores: LineScores | undefined; // at the temperature once asked: most readings never are (the readers agree)
  return (text) => {
    if (!/^[0-9]+$/.test(text) || (opts.length !== undefined && text.length !== opts.length)) return 0;
    scores ??= withTemperature(raw, opts.temperature);
    const logP = logProbability(scores, [...text].map(Number));
    const given = opts.length === undefined ? 0 : logProbabilityOfLength(scores, opts.length);
    return given === -Infinity ? 0 : Math.min(1, Math.exp(logP - given));
  };
}

/**
 * Each digit's box in the decoded picture: the input columns its frames see ([4t, 4t + 27] for t from its first to
 * its last frame), cut at the midpoints between neighbouring digits' peaks, taken back through normaliseLine's scale
 * and offset into the ink page, and fitted there to the ink those columns hold within the line's rows (which gives the
 * height; a speck the line's box leaves out stays out of the digit's too).
 */
export function digitBoxes(spans: ReadonlyArray<{ first: number; last: number; peak: number }>, { line, page }: PreparedLine): Box[] {
  const centre = (t: number) => FRAME_STRIDE * t + (FRAME_SPAN - 1) / 2;
  const toPage = (column: number) => line.ink.x + (column - LINE_MARGIN) / line.scale;
  return spans.map((span, i) => {
    let lo = FRAME_STRIDE * span.first;
    let hi = FRAME_STRIDE * span.last + FRAME_SPAN; // exclusive
    if (i > 0) lo = Math.max(lo, (centre(spans[i - 1].peak) + centre(span.peak)) / 2);
    if (i < spans.length - 1) hi = Math.min(hi, (centre(span.peak) + centre(spans[i + 1].peak)) / 2);
    const x0 = Math.max(line.ink.x, Math.floor(toPage(lo)));
    const x1 = Math.min(line.ink.x + line.ink.width, Math.ceil(toPage(hi)));
    const ink = inkWithin(page, x0, Math.max(x0 + 1, x1), line.ink);
    const box = ink ?? { x: x0, y: line.ink.y, width: Math.max(1, x1 - x0), height: line.ink.height };
    return { ...box, x: box.x + page.x, y: box.y + page.y };
  });
}

/** The box of the page's ink at or above BOX_INK in columns [x0, x1) and the rows of `rows`, or undefined when there is
 * none. */
function inkWithin(page: InkPage, x0: number, x1: number, rows: Box): Box | undefined {
  let [left, top, right, bottom] = [x1, page.height, -1, -1];
  const end = Math.min(x1, page.width);
  for (let y = Math.max(0, rows.y); y < Math.min(page.height, rows.y + rows.height); y++) {
    const row = y * page.width;
    let first = x0;
    while (first < end && page.data[row + first] < BOX_INK) first++;
    if (first === end) continue;
    let last = end - 1;
    while (page.data[row + last] < BOX_INK) last--;
    if (first < left) left = first;
    if (last > right) right = last;
    if (y < top) top = y;
    bottom = y;
  }
  return right < 0 ? undefined : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}
