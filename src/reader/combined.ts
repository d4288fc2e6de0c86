// What the combined reader (src/server/reader-choice.ts) needs from one picture, decoded once: the segmentation
// reader's reading and the line model's input, both from the same decoded pixels, wherever the reading runs (on the
// event loop within its share of work, or on a preprocessing thread: src/reader/worker.ts). The caller runs the line
// model and trusts its string only where the segmentation reader read the same.
import { PreprocessError } from '../imaging/errors.js';
import { agreementConfidence, type AgreementFit } from './agreement.js';
import { inkPage, type InkPage } from '../imaging/ink-page.js';
import type { Grey } from '../imaging/mnist-normalise.js';
import { decodeWithin, readNumber, type ClassifyAll, type NumberRead } from './index.js';
import { prepareLine, type PreparedLine } from './line-read.js';
import type { WorkBudget } from './work-budget.js';

/** The segmentation reader's refusals that speak of the whole picture (more marks than a number has, more work than a
 * reading may cost): `combined` gives them as they are rather than the line model's reading of such a picture. */
export const refusesWholePicture = (err: unknown): err is PreprocessError =>
  err instanceof PreprocessError && (err.code === 'too_many_digits' || err.code === 'picture_too_complex');

export interface ReadForCombining {
  /** The segmentation reader's reading, or why it has none (any refusal but the whole picture's). */
  segmented: { reading: NumberRead } | { error: PreprocessError };
  /** The line model's input from the same decoded picture, or why there is none (nothing stands out, too long). */
  line: { prepared: PreparedLine } | { error: PreprocessError };
  /** Picture pixels per decoded pixel: the line's boxes go back through it. */
  scale: number;
}

/** Both readers' parts of uploaded bytes. Throws what decoding throws, the segmentation reader's refusals of the whole
 * picture, and NotForTheEventLoop when `work` runs out of the event loop's share. */
export async function readForCombining(
  image: Buffer,
  opts: { maxPixels: number; length?: number; classify: ClassifyAll; work: WorkBudget },
): Promise<ReadForCombining> {
  const decoded = await decodeWithin(image, opts.maxPixels, opts.work);
  // The picture's ink is found once for both readers (or not at all, when the segmentation reader refuses it first).
  let page: InkPage | undefined;
  const inkOf = (grey: Grey) => (grey === decoded.grey ? (page ??= inkPage(grey)) : inkPage(grey));
  const segmented = await readNumber(decoded, { ...opts, inkOf }).then(
    (reading) => ({ reading }),
    (err: unknown) => {
      if (!(err instanceof PreprocessError) || refusesWholePicture(err)) throw err;
      return { error: err };
    },
  );
  let line: ReadForCombining['line'];
  try {
    line = { prepared: prepareLine(decoded.grey, inkOf) };
  } catch (err) {
    if (!(err instanceof PreprocessError)) throw err;
    line = { error: err };
  }
  return { segmented, line, scale: decoded.scale };
}

interface Scored {
  text: string;
  confidence: number;
}

/** The segmentation reader's reading as combine weighs it: its string's chance, and each digit's probabilities. */
interface SegmentedScored extends Scored {
  digits: ReadonlyArray<{ probabilities: ArrayLike<number> }>;
}

/** The line model's reading, and its chance of any other string on the same line (line-read.ts lineChance). */
export interface LineEvidence<L extends Scored> {
  reading: L;
  chanceOf: (text: string) => number;
}

/** The segmentation reader's chance of `text`: where it read as many digits, the product of its digits' probabilities
 * of text's digits (its own cuts, read as text); otherwise all it does not give its own string, the most it can be. */
export function segmentedChanceOf(segmented: SegmentedScored, text: string): number {
  if (text.length !== segmented.digits.length) return 1 - segmented.confidence;
  let chance = 1;
  for (let i = 0; i < text.length; i++) chance *= segmented.digits[i].probabilities[Number(text[i])] ?? 0;
  return chance;
}

/** The combined reader's answer from its two readings: where both read the same string, the line model's reading,
 * at the chance that the string is right (agreement.ts: from the chance that not both readers are wrong, through `fit`
 * where the served models have one). Where they differ, the string both readers together find likelier — each
 * string's chance under the one reader times its chance under the other (segmentedChanceOf, the line model's
 * chanceOf) — at confidence 0: a disagreement is never accepted without a person (docs/performance.md, "When the two
 * readers disagree" and "Both readers weigh both strings"). A tie keeps the line model's. A reader that read nothing
 * (undefined) disagrees with one that read something, which then answers; undefined when neither read anything. */
export function combine<S extends SegmentedScored, L extends Scored>(
  segmented: S | undefined,
  line: LineEvidence<L> | undefined,
  fit?: AgreementFit,
): { from: 'line'; reading: L; confidence: number } | { from: 'segmentation'; reading: S; confidence: number } | undefined {
  if (line === undefined) return segmented && { from: 'segmentation', reading: segmented, confidence: 0 };
  const { reading } = line;
  if (segmented === undefined) return { from: 'line', reading, confidence: 0 };
  if (segmented.text === reading.text)
    return { from: 'line', reading, confidence: agreementConfidence(reading.confidence, segmented.confidence, fit) };
  const forSegmented = segmented.confidence * line.chanceOf(segmented.text);
  const forLine = reading.confidence * segmentedChanceOf(segmented, reading.text);
  if (forSegmented > forLine) return { from: 'segmentation', reading: segmented, confidence: 0 };
  return { from: 'line', reading, confidence: 0 };
}
