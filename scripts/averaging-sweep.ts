// `tsx scripts/averaging-sweep.ts`: one training run of a recipe that answers which weight averaging to export. It
// follows the run step by step with moving averages of several decays (SWEEP_DECAYS) and keeps the weights at the end of
// the last SWEEP_LAST epochs, then reads each candidate on the held-out training images only, never on the test set:
// the raw weights, each moving average, and the mean of the last K epochs' weights (SWA-style). Averages are shadows:
// the run itself is the recipe's, so the chosen decay's average is bit for bit what `npm run train` with it exports.
// SWEEP_RECIPE (default: default), SWEEP_EPOCHS (the recipe's), SWEEP_LIMIT (train images), SWEEP_OUT (a folder for the final averages as float32).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unflattenParams } from '../src/model/init.js';
import { updateAverage } from '../src/train/averaging.js';
import { loadMnist } from '../src/train/mnist.js';
import { createProgressReporter } from '../src/train/progress.js';
import { RECIPES, type RecipeName } from '../src/train/recipes.js';
import { evaluateParams, heldOutOf, train, trainImagesOf } from '../src/train/trainer.js';

const base = RECIPES[(process.env.SWEEP_RECIPE ?? 'default') as RecipeName];
const recipe = { ...base, epochs: Number(process.env.SWEEP_EPOCHS ?? base.epochs), average: undefined };
const decays = (process.env.SWEEP_DECAYS ?? '0.999,0.9995,0.9998,0.9999').split(',').map(Number);
const last = Number(process.env.SWEEP_LAST ?? 6);
const out = process.env.SWEEP_OUT;
const trainLimit = process.env.SWEEP_LIMIT ? Number(process.env.SWEEP_LIMIT) : undefined; // a quick look

const data = loadMnist();
const heldOut = heldOutOf(recipe, data);
if (!heldOut) throw new Error(`recipe ${recipe.name} holds no training images out: nothing to choose on`);
const steps = Math.ceil(trainImagesOf(recipe, data, trainLimit) / recipe.batchSize);
const averages = new Map<number, Float32Array>();
const kept: Array<{ epoch: number; raw: Float32Array; averages: Map<number, Float32Array> }> = [];

const result = await train({
  recipe,
  data,
  device: 'cpu',
  trainLimit,
  onEvent: createProgressReporter(recipe.epochs),
  onStep(params, step) {
    for (const d of decays) averages.set(d, updateAverage(averages.get(d), params, d));
    const epoch = step / steps;
    if (Number.isInteger(epoch) && epoch > recipe.epochs - last) {
      kept.push({ epoch, raw: params.slice(), averages: new Map([...averages].map(([d, a]) => [d, a.slice()])) });
    }
  },
});
if (result.status !== 'done') throw new Error('interrupted');

const read = async (params: Float32Array) => evaluateParams(recipe, unflattenParams(params), heldOut, 'cpu');
const row = async (name: string, params: Float32Array) => {
  const e = await read(params);
  return `${name.padEnd(24)}${(100 * e.accuracy).toFixed(2).padStart(8)} %${e.loss.toFixed(5).padStart(10)}`;
};
console.log(`\nheld-out train[${recipe.trainImages}:${data.train.count}] (${heldOut.count} digits): accuracy, loss`);
for (const k of kept) {
  console.log(await row(`epoch ${k.epoch} raw`, k.raw));
  for (const [d, a] of k.averages) console.log(await row(`epoch ${k.epoch} ema ${d}`, a));
}
for (let n = 2; n <= kept.length; n++) {
  const mean = new Float32Array(kept[0].raw.length);
  for (const k of kept.slice(-n)) for (let i = 0; i < mean.length; i++) mean[i] += k.raw[i] / n;
  console.log(await row(`mean of last ${n} epochs`, mean));
}
if (out) {
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'raw.f32'), kept.at(-1)!.raw);
  for (const [d, a] of averages) writeFileSync(path.join(out, `ema-${d}.f32`), a);
}
