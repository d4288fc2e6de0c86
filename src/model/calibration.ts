// Confidence a caller can act on: temperature scaling (Guo et al. 2017). One number T, fitted on digits the model did
// not train on, softens (T > 1) or sharpens the softmax so that a 90 % answer is right about 90 % of the time. It is
// recorded in the model card next to the model, for that model's sha256 only: a retrained model is served with T = 1
// until `npm run calibrate` is run on it.
import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { CLASSES } from './input-contract.js';
import { cardPathFor as cardPath } from './model-files.js';

export interface Calibration {
  temperature: number;
  /** The model it was fitted for. */
  sha256: string;
  /** Which digits it was fitted on, e.g. "mnist train[55000:60000]". */
  fittedOn: string;
  nllBefore: number;
  nllAfter: number;
  eceBefore: number;
  eceAfter: number;
}

/** softmax(log p ÷ T): the probabilities the logits ÷ T would give (log p is the logits less a constant). */
export function withTemperature(p: ArrayLike<number>, temperature: number): number[] {
  // Plain loops, one array: the reader calls this for every candidate of every picture.
  const n = p.length;
  const out = new Array<number>(n);
  let top = -Infinity;
  for (let i = 0; i < n; i++) {
    out[i] = Math.log(Math.max(p[i], 1e-30)) / temperature;
    if (out[i] > top) top = out[i];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(out[i] - top);
    sum += out[i];
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

/** Mean negative log-likelihood of the labels under probabilities [n,10] at temperature T. */
export function nll(probabilities: Float32Array, labels: ArrayLike<number>, temperature: number): number {
  let total = 0;
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const q = withTemperature(probabilities.subarray(i * CLASSES, (i + 1) * CLASSES), temperature);
    total -= Math.log(Math.max(q[labels[i]], 1e-30));
  }
  return total / n;
}

/** Expected calibration error over 15 equal-width confidence bins. */
export function ece(probabilities: Float32Array, labels: ArrayLike<number>, temperature: number, bins = 15): number {
  const count = new Float64Array(bins);
  const conf = new Float64Array(bins);
  const right = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const q = withTemperature(probabilities.subarray(i * CLASSES, (i + 1) * CLASSES), temperature);
    const top = q.indexOf(Math.max(...q));
    const b = Math.min(bins - 1, Math.floor(q[top] * bins));
    count[b]++;
    conf[b] += q[top];
    if (top === labels[i]) right[b]++;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (count[b]) e += Math.abs(conf[b] - right[b]) / labels.length;
  return e;
}

/** The temperature that minimises the NLL (golden-section search over log T in [1/20, 20]; the NLL is unimodal in T). */
export function fitTemperature(probabilities: Float32Array, labels: ArrayLike<number>): number {
  const f = (logT: number) => nll(probabilities, labels, Math.exp(logT));
  const phi = (Math.sqrt(5) - 1) / 2;
  let [a, b] = [Math.log(1 / 20), Math.log(20)];
  let c = b - phi * (b - a);
  let d = a + phi * (b - a);
  let [fc, fd] = [f(c), f(d)];
  while (b - a > 1e-4) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - phi * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + phi * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** What the card next to a model says it records, if the card is there and JSON; a reader takes nothing from it on
 * trust (a missing or broken card means nothing is recorded). */
function cardOf(modelPath: string): { calibration?: Partial<Calibration>; agreement?: Partial<AgreementCalibration> } | undefined {
  try {
    return JSON.parse(readFileSync(cardPath(modelPath), 'utf8')) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The temperature recorded for this model (by sha256) in the card next to it; 1 when there is none. */
export function readTemperature(modelPath: string, sha256: string): number {
  const { temperature: t, sha256: fitted } = cardOf(modelPath)?.calibration ?? {};
  return fitted === sha256 && typeof t === 'number' && t > 0 && Number.isFinite(t) ? t : 1;
}

/** Platt scaling of the readers' agreement (src/reader/agreement.ts): P(right) = σ(a + b·u). */
export interface AgreementFit {
  a: number;
  b: number;
}

/** What a line model's card records of the agreement fit (src/reader/agreement.ts): for that line model and the digit
 * model it was fitted with, each by sha256. */
export interface AgreementCalibration extends AgreementFit {
  lineSha256: string;
  digitSha256: string;
  fittedOn: string;
  agreements: number;
  logLossBefore: number;
  logLossAfter: number;
}

/** The agreement fit the line model's card records for this line model and digit model; undefined when there is none
 * (combined then gives the independent readers' confidence). */
export function readAgreementFit(linePath: string, lineSha256: string, digitSha256: string): AgreementFit | undefined {
  const { a, b, lineSha256: line, digitSha256: digit } = cardOf(linePath)?.agreement ?? {};
  const usable = typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b) && b > 0;
  return usable && line === lineSha256 && digit === digitSha256 ? { a, b } : undefined;
}

/** The digit model (sha256) the line model's card fitted its agreement curve with, if it records one. */
export const agreementDigitModel = (linePath: string): string | undefined => {
  const digit = cardOf(linePath)?.agreement?.digitSha256;
  return typeof digit === 'string' ? digit : undefined;
};

/** Records the calibration in the model card (created if missing), written atomically. */
export const recordCalibration = (modelPath: string, calibration: Calibration): Promise<string> => recordInCard(modelPath, { calibration });

/** Records the agreement fit in the line model's card, written atomically. */
export const recordAgreement = (linePath: string, agreement: AgreementCalibration): Promise<string> =>
  recordInCard(linePath, { agreement });

async function recordInCard(modelPath: string, fields: Record<string, unknown>): Promise<string> {
  const file = cardPath(modelPath);
  let card: Record<string, unknown> = {};
  try {
    card = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${file} is not a readable JSON model card: ${(err as Error).message}`, { cause: err });
    }
  }
  await writeFileAtomic(file, `${JSON.stringify({ ...card, ...fields }, null, 2)}\n`);
  return file;
}
