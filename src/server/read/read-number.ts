// The whole reading, shared by POST /read and `npm run predict -- --read`: bytes → grey picture → candidates →
// (classified by the caller, all in one go) → the best path → digits with calibrated confidences and boxes.
import { argmax } from '../../model/lenet.js';
import { PreprocessError } from '../preprocess/errors.js';
import { toModelInput } from '../../model/input-contract.js';
import { withTemperature } from './calibration.js';
import { decodeForReading } from './decode.js';
import { segmentNumber, type Box } from './reader.js';

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

/** Classifies every tensor (in one batch where it can) and says which temperature the model that did it has. */
export type ClassifyAll = (tensors: Float32Array[]) => Promise<{ probabilities: ArrayLike<number>[]; temperature: number }>;

export async function readNumber(image: Buffer, opts: { maxPixels: number; length?: number; classify: ClassifyAll }): Promise<NumberRead> {
  const { grey, scale } = await decodeForReading(image, opts.maxPixels);
  const segmentation = segmentNumber(grey, { length: opts.length });
  const first = await opts.classify(segmentation.candidates.map((c) => toModelInput(c.pixels)));
  const more = segmentation.refine(first.probabilities);
  const probabilities = more.length === 0 ? first.probabilities : [...first.probabilities, ...(await opts.classify(more.map((c) => toModelInput(c.pixels)))).probabilities];
  const { temperature } = first;
  const picked = segmentation.pick(probabilities);
  if (picked.length === 0) throw new PreprocessError('no_digit_found', 'no digit could be read in the image');
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
