// The line model's validation figures (docs/contracts.md, role 2): the project's own number generator (src/synth, a code
// path apart from the training composer) fed MNIST train[55000:60000] (writers the model never trained on) and the
// training fonts, each picture through /read's imaging steps and normaliseLine, read by best path; whole string right.
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { normaliseLine, type NormalisedLine } from '../imaging/line.js';
import { LINE_INPUT, LINE_ROWS, LINE_SCORES } from '../model/line.js';
import { PARAMS_INPUT } from '../model/train-step.js';
import { decodeForReading } from '../imaging/decode-for-reading.js';
import { inkPage } from '../imaging/ink-page.js';
import { fontGlyphs, makeSet, type SetName } from '../synth/numbers.js';
import { bestPath } from './line-decode.js';
import { TRAIN_MNIST_END, TRAINING_FONTS } from './lines/glyphs.js';
import type { Split } from './mnist.js';

export const VALIDATION_SETS: readonly SetName[] = ['wide', 'touching', 'photos', 'canvas', 'fonts'];

export interface ValidationSet {
  name: SetName;
  lines: Array<{ line: NormalisedLine | undefined; truth: string }>;
}

export interface ValidationSpec {
  perSet: number;
  seed: number;
}

/** MNIST train[55000:60000]: the validation role's digits. */
export function validationDigits(train: Split): Split {
  return {
    images: train.images.subarray(TRAIN_MNIST_END * 784),
    labels: train.labels.subarray(TRAIN_MNIST_END),
    count: train.count - TRAIN_MNIST_END,
  };
}

const MAX_PIXELS = 16_000_000;

export async function makeValidation(train: Split, spec: ValidationSpec): Promise<ValidationSet[]> {
  const digits = validationDigits(train);
  const fonts = (await Promise.all(TRAINING_FONTS.map((f) => fontGlyphs(f)))).filter((g) => g !== undefined);
  const sets: ValidationSet[] = [];
  for (const [i, name] of VALIDATION_SETS.entries()) {
    const samples = await makeSet(name, spec.perSet, spec.seed + i, digits, fonts);
    const lines = [];
    for (const s of samples) {
      let line: NormalisedLine | undefined;
      try {
        line = normaliseLine(inkPage((await decodeForReading(s.picture, MAX_PIXELS)).grey));
      } catch {
        line = undefined; // the imaging steps found no ink: counted as read wrong
      }
      lines.push({ line, truth: s.number.text });
    }
    sets.push({ name, lines });
  }
  return sets;
}

export type ValidationFigures = Record<string, number>;

/** Whole-string accuracy per set (and `all`), reading each picture alone (N = 1, unpadded) as serving would. */
export async function validate(forward: ort.InferenceSession, params: Float32Array, sets: ValidationSet[]): Promise<ValidationFigures> {
  const figures: ValidationFigures = {};
  let right = 0;
  let total = 0;
  const paramsTensor = new Tensor('float32', params, [params.length]);
  for (const set of sets) {
    let setRight = 0;
    for (const { line, truth } of set.lines) {
      if (!line) continue;
      const out = await forward.run({
        [LINE_INPUT]: new Tensor('float32', line.data, [1, 1, LINE_ROWS, line.width]),
        [PARAMS_INPUT]: paramsTensor,
      });
      const scores = out[LINE_SCORES];
      if (bestPath(scores.data as Float32Array, 0, scores.dims[1]).join('') === truth) setRight++;
    }
    figures[set.name] = setRight / set.lines.length;
    right += setRight;
    total += set.lines.length;
  }
  figures.all = right / total;
  return figures;
}
