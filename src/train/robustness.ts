// The robustness evaluation: accuracy on transformed copies of the MNIST test set. Each family of distortion at three
// strengths, and the test digits drawn in the forms users send (dark ink on white, on a big canvas off centre, scanned
// at low resolution and upscaled, thick and thin pens) pushed through the service's own normalisation. Every copy is
// made from a fixed seed, so the table is the same on every run.
import type * as ort from 'onnxruntime-node';
import { buildInferenceModel } from '../model/inference-graph.js';
import type { Params } from '../model/init.js';
import { openSession, type Device } from '../model/session.js';
import { bottom, right } from '../imaging/box.js';
import { resample } from '../imaging/resample.js';
import { normalise, sampleRng } from './augment.js';
import { blur, CANVAS, inkBox, lowResolution, onCanvas, onPaper, pen, warp } from './distort.js';
import { evaluate } from './evaluate.js';
import { PIXELS, SIDE } from '../model/input-contract.js';
import type { Split } from './mnist.js';
import type { Recipe } from './recipes.js';

export const STRENGTHS = ['mild', 'moderate', 'strong'] as const;
export type Strength = (typeof STRENGTHS)[number];

/** Makes the picture of test digit `src` (28×28) that the service would receive; `rng` is the image's own. */
type Picture = (src: Uint8Array, rng: () => number) => { data: Uint8Array; side: number };

interface Family {
  name: string;
  /** Each strength's setting, in words, and the picture it makes. */
  levels: Array<[string, Picture]>;
}

const sign = (rng: () => number) => (rng() < 0.5 ? -1 : 1);
const canvas = (data: Uint8Array) => ({ data, side: CANVAS });
const warped = (src: Uint8Array, w: Partial<Parameters<typeof warp>[1]>) =>
  canvas(warp(src, { rotate: 0, scaleX: 1, scaleY: 1, shear: 0, elastic: 0, ...w }));
const PAPER = 200;

/** Distortions of the 28×28 digit itself, mild / moderate / strong. */
export const FAMILIES: Family[] = [
  { name: 'rotation', levels: [5, 10, 20].map((d) => [`±${d}°`, (s, r) => warped(s, { rotate: sign(r) * d })]) },
  { name: 'slant', levels: [0.15, 0.25, 0.4].map((k) => [`shear ±${k}`, (s, r) => warped(s, { shear: sign(r) * k })]) },
  {
    name: 'proportions',
    levels: [0.85, 0.75, 0.6].map((f) => [
      `×${f} wide or tall`,
      (s, r) => (r() < 0.5 ? warped(s, { scaleX: f }) : warped(s, { scaleY: f })),
    ]),
  },
  { name: 'elastic', levels: [1, 2, 3].map((px) => [`≤${px} px wobble`, (s, r) => warped(s, { elastic: px, rng: r })]) },
  { name: 'thick pen', levels: [0.5, 1, 1.5].map((px) => [`+${px} px`, (s) => canvas(pen(onCanvas(s), CANVAS, px))]) },
  { name: 'thin pen', levels: [0.25, 0.5, 0.75].map((px) => [`−${px} px`, (s) => canvas(pen(onCanvas(s), CANVAS, -px))]) },
  { name: 'blur', levels: [0.5, 1, 1.5].map((sigma) => [`σ ${sigma} px`, (s) => canvas(blur(onCanvas(s), CANVAS, sigma))]) },
  { name: 'low resolution', levels: [16, 12, 8].map((px) => [`digit ${px} px`, (s) => canvas(lowResolution(onCanvas(s), CANVAS, px))]) },
  {
    name: 'contrast',
    levels: [0.5, 0.35, 0.25].map((c) => [`ink ${c * 100}% on grey`, (s, r) => canvas(onPaper(onCanvas(s), PAPER, c, 0, r))]),
  },
  {
    name: 'noise',
    levels: [3, 6, 12].map((n) => [`σ ${n} levels`, (s, r) => canvas(onPaper(onCanvas(s), PAPER, 0.8, n, r))]),
  },
];

/** Dark ink on white paper, enlarged `times` (bilinear): how a drawing or a scan arrives. */
function darkOnWhite(src: Uint8Array, side: number, times: number) {
  const big = times === 1 ? Uint8Array.from(src) : resample(src, side, side, side * times, side * times);
  for (let i = 0; i < big.length; i++) big[i] = 255 - big[i];
  return { data: big, side: side * times };
}

/** The digit filling an n×n picture (as in the UCI/scikit-learn 8×8 digits), upscaled to 112×112 for sending. */
function lowResPicture(src: Uint8Array, n: number) {
  const box = inkBox(src, SIDE, 0)!;
  const size = Math.max(box.width, box.height);
  const square = new Uint8Array(size * size);
  const [ox, oy] = [(size - box.width) >> 1, (size - box.height) >> 1];
  for (let y = box.y; y < bottom(box); y++) square.set(src.subarray(y * SIDE + box.x, y * SIDE + right(box)), (y - box.y + oy) * size + ox);
  return darkOnWhite(resample(square, size, size, n, n), n, 112 / n);
}

/** A picture larger than the digit, with it somewhere off centre: a photo of a form. */
function bigCanvas(src: Uint8Array) {
  const digit = resample(src, SIDE, SIDE, 112, 112);
  const side = 320;
  const page = new Uint8Array(side * side);
  const [ox, oy] = [24, 180];
  for (let y = 0; y < 112; y++) page.set(digit.subarray(y * 112, y * 112 + 112), (y + oy) * side + ox);
  for (let i = 0; i < page.length; i++) page[i] = 255 - page[i];
  return { data: page, side };
}

/** A pen of another width, drawn at 4× (112×112) where a stroke is ~10 px wide, dark on white. */
function penPicture(src: Uint8Array, px: number) {
  const big = resample(src, SIDE, SIDE, 112, 112);
  pen(big, 112, px);
  for (let i = 0; i < big.length; i++) big[i] = 255 - big[i];
  return { data: big, side: 112 };
}

/** Test digits in the forms users send, each normalised by the service's own code: [description, short label, picture]. */
export const FORMS: Array<[string, string, Picture]> = [
  ['inverted: dark ink on white, 28×28', 'inverted', (s) => darkOnWhite(s, SIDE, 1)],
  ['off centre on a 320×320 page', 'big page', (s) => bigCanvas(s)],
  ['16×16 picture, upscaled', '16×16', (s) => lowResPicture(s, 16)],
  ['12×12 picture, upscaled', '12×12', (s) => lowResPicture(s, 12)],
  ['8×8 picture, upscaled', '8×8', (s) => lowResPicture(s, 8)],
  ['thick pen (+4 px at 4×)', 'thick pen', (s) => penPicture(s, 4)],
  ['thin pen (−3 px at 4×)', 'thin pen', (s) => penPicture(s, -3)],
];

export interface Robustness {
  images: number;
  /** The test set as it is. */
  plain: number;
  families: Array<{ name: string; levels: Array<{ strength: Strength; setting: string; accuracy: number }> }>;
  forms: Array<{ name: string; label: string; accuracy: number }>;
}

/** Seed of the evaluation's own random streams (fixed: the same copies for every model). */
const SEED = 2003;

/** Accuracy of the model on every copy of `test` (its first `limit` images). */
export async function evaluateRobustness(session: ort.InferenceSession, test: Split, limit = test.count): Promise<Robustness> {
  const count = Math.min(limit, test.count);
  const split = { images: test.images.subarray(0, count * PIXELS), labels: test.labels.subarray(0, count), count };
  let stream = 0;
  const accuracyOf = async (picture: Picture) => {
    const id = ++stream;
    const images = new Uint8Array(count * PIXELS);
    const lost = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const { data, side } = picture(split.images.subarray(i * PIXELS, (i + 1) * PIXELS), sampleRng(SEED, id, i));
      const digit = normalise(data, side);
      if (digit) images.set(digit, i * PIXELS);
      else lost[i] = 1; // the service would answer 422 no_digit_found: not read
    }
    const { predicted } = await evaluate(session, { images, labels: split.labels, count });
    let correct = 0;
    for (let i = 0; i < count; i++) if (!lost[i] && predicted[i] === split.labels[i]) correct++;
    return correct / count;
  };
  const plain = (await evaluate(session, split)).accuracy;
  const families = [];
  for (const family of FAMILIES) {
    const levels = [];
    for (const [k, [setting, picture]] of family.levels.entries())
      levels.push({ strength: STRENGTHS[k], setting, accuracy: await accuracyOf(picture) });
    families.push({ name: family.name, levels });
  }
  const forms = [];
  for (const [name, label, picture] of FORMS) forms.push({ name, label, accuracy: await accuracyOf(picture) });
  return { images: count, plain, families, forms };
}

/** The robustness of the model these trained parameters make (the graph that is exported). */
export async function robustnessOfParams(recipe: Recipe, params: Params, test: Split, device: Device, limit?: number): Promise<Robustness> {
  const { session } = await openSession(buildInferenceModel(recipe.arch, params, {}), device);
  try {
    return await evaluateRobustness(session, test, limit);
  } finally {
    await session.release();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** The evaluation as a text table; with `before`, each cell shows the earlier model's accuracy next to this one's. */
export function formatRobustness(r: Robustness, before?: Robustness): string {
  const cell = (now: number, then?: number) => (then === undefined ? pct(now) : `${pct(then)} → ${pct(now)}`).padStart(before ? 18 : 8);
  const lines = [`MNIST test, ${r.images} images; every picture normalised by the service's code`, ''];
  lines.push(`${'family'.padEnd(16)}${STRENGTHS.map((s) => s.padStart(before ? 18 : 10)).join('')}   settings`);
  lines.push(`${'plain'.padEnd(16)}${cell(r.plain, before?.plain)}`);
  r.families.forEach((f, i) => {
    const cells = f.levels.map((l, k) => '  ' + cell(l.accuracy, before?.families[i]?.levels[k]?.accuracy)).join('');
    lines.push(`${f.name.padEnd(16)}${cells}   ${f.levels.map((l) => l.setting).join(' / ')}`);
  });
  lines.push('', "forms users send, through the service's normalisation:");
  r.forms.forEach((f, i) => lines.push(`  ${f.name.padEnd(38)}${cell(f.accuracy, before?.forms[i]?.accuracy)}`));
  return lines.join('\n');
}
