// The reader's door, shared by POST /read and `npm run predict -- --read`: a decoded picture (imaging's
// decodeForReading) → candidates → (classified by the caller, all in one go) → the best path → digits with
// calibrated confidences and boxes in the uploaded picture's pixels.
import { argmax } from '../model/lenet.js';
import type { Box } from '../imaging/box.js';
import { PreprocessError } from '../imaging/errors.js';
import { toModelInput } from '../model/input-contract.js';
import { withTemperature } from '../model/calibration.js';
import { decodeForReading, type Decoded } from '../imaging/decode-for-reading.js';
import type { InkPage } from '../imaging/ink-page.js';
import type { Grey } from '../imaging/mnist-normalise.js';
import { findingInk, segmentNumber, type Segmentation } from './segmentation.js';
import type { WorkBudget } from './work-budget.js';

export { MAX_DIGITS } from './tunables.js';

export interface ReadDigit {
  digit: number;
  confidence: number;
  /** Where the digit's ink is in the uploaded picture. */
  box: Box;
  /** Calibrated. */
  probabilities: number[];
  /** The 28×28 input the model saw (bytes 0..255). */
  pixels: Uint8Array;
}

export interface NumberRead {
  text: string;
  /** The product of the digits' confidences: the chance that every digit is right, if their errors are independent. */
  confidence: number;
  digits: ReadDigit[];
}

/** Classifies every tensor (in one batch where it can) and says which temperature the model that did it has, and
 * which model it was (any string that differs between models, e.g. its sha256; leave it out when it cannot change). */
export type ClassifyAll = (tensors: Float32Array[]) => Promise<{ probabilities: ArrayLike<number>[]; temperature: number; model?: string }>;

/** Every candidate classified: the first batch, then whatever more segmentation.refine asks for after each batch (a
 * narrow unit's pieces, a second look at unsure units), most pictures none. A model reloaded between two batches would
 * mix two models' probabilities: then all of them are read again at once. */
export async function classifyCandidates(segmentation: Segmentation, classify: ClassifyAll) {
  const all = () => classify(segmentation.candidates.map((c) => toModelInput(c.pixels)));
  const first = await all();
  let probabilities = first.probabilities;
  for (let more = segmentation.refine(probabilities); more.length > 0; more = segmentation.refine(probabilities)) {
    const next = await classify(more.map((c) => toModelInput(c.pixels)));
    if (next.model !== first.model) return all();
    probabilities = probabilities.concat(next.probabilities);
  }
  return { probabilities, temperature: first.temperature };
}

/** Uploaded bytes decoded (imaging's decodeForReading) within `work`: finding the ink is counted ahead with the
 * decoding, so that a picture too big for the event loop is not decoded there. */
export const decodeWithin = (image: Buffer, maxPixels: number, work: WorkBudget): Promise<Decoded> =>
  decodeForReading(image, maxPixels, {
    visit: (pixels: number) => {
      work.visit(pixels);
      work.ahead(findingInk(pixels));
    },
  });

/** The number in uploaded bytes: decoded and read within `work`, wherever it runs. */
export async function readPicture(
  image: Buffer,
  opts: { maxPixels: number; length?: number; classify: ClassifyAll; work: WorkBudget },
): Promise<NumberRead> {
  return readNumber(await decodeWithin(image, opts.maxPixels, opts.work), opts);
}

/** The number in `picture`, read with `classify`; `length` is how many digits it has, when the caller knows. */
export async function readNumber(
  decoded: Decoded,
  opts: { length?: number; classify: ClassifyAll; work?: WorkBudget; inkOf?: (grey: Grey) => InkPage },
): Promise<NumberRead> {
  const segmentation = segmentNumber(decoded.grey, { length: opts.length, work: opts.work, inkOf: opts.inkOf });
  const scale = decoded.scale * segmentation.scale;
  const { probabilities, temperature } = await classifyCandidates(segmentation, opts.classify);
  const picked = segmentation.pick(probabilities);
  if (picked.length === 0) throw new PreprocessError('no_digit_found', 'no digit could be read in the image');
  if (opts.length !== undefined && picked.length !== opts.length) {
    throw new PreprocessError(
      'length_not_read',
      `length=${opts.length} was asked for, but the writing could not be split or merged into ${opts.length} digits (it reads best as ${picked.length}); send the request without length to read what is there`,
    );
  }
  const digits = picked.map((i) => {
    const calibrated = withTemperature(probabilities[i], temperature);
    const digit = argmax(calibrated);
    const { x, y, width, height } = segmentation.candidates[i].box;
    return {
      digit,
      confidence: calibrated[digit],
      box: { x: Math.round(x * scale), y: Math.round(y * scale), width: Math.round(width * scale), height: Math.round(height * scale) },
      probabilities: calibrated,
      pixels: segmentation.candidates[i].pixels,
    };
  });
  return { text: digits.map((d) => d.digit).join(''), confidence: digits.reduce((p, d) => p * d.confidence, 1), digits };
}
