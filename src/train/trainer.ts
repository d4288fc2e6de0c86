// The training loop. Each step hands a batch, the parameters and the optimizer state to the step runner (one training
// graph, or the recipe's gradient shards on several threads: step-runner.ts) and takes back the loss and the updated
// parameters and state.
import { buildInferenceModel } from '../model/inference-graph.js';
import { flattenParams, initParams, unflattenParams, type Params } from '../model/init.js';
import { paramCount } from '../model/lenet.js';
import { createRng, permutation } from '../model/random.js';
import { openSession, type Device, type Provider } from '../model/session.js';
import { augmentedInto, sampleRng, shiftedInto } from './augment.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { PIXELS, type Mnist, type Split } from './mnist.js';
import { learningRate, type Recipe } from './recipes.js';
import { defaultThreads, openStepRunner, type Batch } from './step-runner.js';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  seconds: number;
  imagesPerSecond: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface Checkpoint {
  recipe: Recipe;
  epoch: number; // 0-based epoch in progress
  batch: number; // next batch within it
  step: number; // optimizer steps taken
  /** All parameters, flattened in PARAMS order. */
  params: Float32Array;
  /** Optimizer slots (e.g. exp_avg), each as long as params. */
  state: Map<string, Float32Array>;
  history: EpochRecord[];
  lossCurve: Array<[number, number]>; // [step, mean loss since the previous point]
}

export type TrainEvent =
  | { type: 'start'; provider: Provider; fallbackReason?: string; threads: number; steps: number; resumedAt?: number }
  | { type: 'batch'; epoch: number; seen: number; total: number; loss: number; imagesPerSecond: number }
  | { type: 'epoch'; record: EpochRecord; epochs: number };

export interface TrainOptions {
  recipe: Recipe;
  data: Mnist;
  device: Device;
  /** Threads computing the recipe's gradient shards at once (CPU only; default: one per shard, up to the cores). */
  threads?: number;
  /** Train on only the first n training images (tests, quick looks). */
  trainLimit?: number;
  resume?: Checkpoint;
  /** Aborting stops after the current step and returns a checkpoint. */
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
}

export type TrainResult =
  | { status: 'done'; params: Params; history: EpochRecord[]; lossCurve: Checkpoint['lossCurve']; final: Evaluation; provider: Provider }
  | { status: 'interrupted'; checkpoint: Checkpoint };

export class DivergedError extends Error {}

const CURVE_POINTS_PER_EPOCH = 20;

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { recipe, data, device } = opts;
  const trainCount = Math.min(opts.trainLimit ?? data.train.count, data.train.count);
  const batchesPerEpoch = Math.ceil(trainCount / recipe.batchSize);
  const totalSteps = batchesPerEpoch * recipe.epochs;

  const ckpt: Checkpoint = opts.resume ?? {
    recipe,
    epoch: 0,
    batch: 0,
    step: 0,
    params: flattenParams(initParams(createRng(recipe.seed))),
    state: new Map(),
    history: [],
    lossCurve: [],
  };
  const buffers = [batchBuffers(recipe.batchSize), batchBuffers(recipe.batchSize)];
  const runner = await openStepRunner(recipe, device, opts.threads ?? defaultThreads(recipe));
  for (const slot of runner.slots) if (!ckpt.state.has(slot)) ckpt.state.set(slot, new Float32Array(paramCount()));
  const { provider, fallbackReason, threads } = runner;
  opts.onEvent?.({ type: 'start', provider, fallbackReason, threads, steps: totalSteps, resumedAt: opts.resume ? ckpt.step : undefined });
  // The runner holds sessions and helper threads: close it however training ends (done, Ctrl-C, divergence).
  try {
    let test: Evaluation | undefined; // the latest epoch's test-set evaluation
    for (; ckpt.epoch < recipe.epochs; ckpt.epoch++, ckpt.batch = 0) {
      // The epoch's order depends only on (seed, epoch), so a resumed run sees the same batches.
      const order = permutation(trainCount, createRng(recipe.seed * 7919 + ckpt.epoch + 1));
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let curveSum = 0;
      let curveCount = 0;
      const curveEvery = Math.max(1, Math.floor(batchesPerEpoch / CURVE_POINTS_PER_EPOCH));

      // Batch b of this epoch, the one optimizer step `step` takes; made in one of two buffers, in turn.
      const batchAt = (b: number, step: number) => {
        const indices = order.subarray(b * recipe.batchSize, (b + 1) * recipe.batchSize);
        return makeBatch(buffers[step % 2], data.train, indices, recipe, ckpt.epoch, createRng(recipe.seed * 104729 + step));
      };
      let ready = batchAt(ckpt.batch, ckpt.step);
      for (; ckpt.batch < batchesPerEpoch; ckpt.batch++) {
        if (opts.signal?.aborted) return { status: 'interrupted', checkpoint: ckpt };
        const batch = ready;

        const lr = learningRate(recipe, ckpt.step, totalSteps);
        ckpt.step++;
        const { beta1, beta2 } = recipe.optimizer;
        const hyper = { lr, bias_correction1: 1 - beta1 ** ckpt.step, bias_correction2: 1 - beta2 ** ckpt.step };
        const pending = runner.step(batch, hyper, ckpt);
        // The next batch (its augmentation is most of the loader's work) is made while ONNX Runtime's threads compute
        // this one; this thread would only wait.
        if (ckpt.batch + 1 < batchesPerEpoch) ready = batchAt(ckpt.batch + 1, ckpt.step);
        const out = await pending;

        if (!Number.isFinite(out.loss)) {
          throw new DivergedError(
            `loss became ${out.loss} at epoch ${ckpt.epoch + 1}, step ${ckpt.step}: training diverged (try a lower --lr); nothing was written`,
          );
        }
        lossSum += out.loss * batch.n;
        correct += out.correct;
        seen += batch.n;
        curveSum += out.loss;
        if (++curveCount === curveEvery) {
          ckpt.lossCurve.push([ckpt.step, curveSum / curveCount]);
          curveSum = curveCount = 0;
        }
        const seconds = (performance.now() - started) / 1000;
        opts.onEvent?.({ type: 'batch', epoch: ckpt.epoch, seen, total: trainCount, loss: lossSum / seen, imagesPerSecond: seen / seconds });
      }

      const seconds = (performance.now() - started) / 1000;
      test = await evaluateParams(recipe, unflattenParams(ckpt.params), data.test, provider);
      const record: EpochRecord = {
        epoch: ckpt.epoch + 1,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        seconds,
        imagesPerSecond: seen / seconds,
      };
      ckpt.history.push(record);
      opts.onEvent?.({ type: 'epoch', record, epochs: recipe.epochs });
    }

    const params = unflattenParams(ckpt.params);
    // The last epoch already evaluated these exact parameters; only a run resumed after its last epoch has not.
    const final = test ?? (await evaluateParams(recipe, params, data.test, provider));
    return { status: 'done', params, history: ckpt.history, lossCurve: ckpt.lossCurve, final, provider };
  } finally {
    await runner.close();
  }
}

/** One batch's buffers, reused every step (a fresh 200 KB per step only fed the garbage collector). */
function batchBuffers(size: number): Batch {
  return { image: new Float32Array(size * PIXELS), label: new BigInt64Array(size), digits: new Uint8Array(size), n: size };
}

function makeBatch(into: Batch, split: Split, indices: Uint32Array, recipe: Recipe, epoch: number, rng: () => number): Batch {
  const { shift, augment } = recipe;
  const n = indices.length;
  const offset = () => Math.floor(rng() * (2 * shift + 1)) - shift;
  for (let i = 0; i < n; i++) {
    const index = indices[i];
    const src = split.images.subarray(index * PIXELS, (index + 1) * PIXELS);
    if (augment) augmentedInto(into.image, i * PIXELS, src, augment, shift, sampleRng(recipe.seed, epoch, index));
    else shiftedInto(into.image, i * PIXELS, src, shift ? offset() : 0, shift ? offset() : 0);
    into.digits[i] = split.labels[index];
    into.label[i] = BigInt(split.labels[index]);
  }
  // A short last batch uses the front of the buffers.
  return n === into.n ? into : { image: into.image.subarray(0, n * PIXELS), label: into.label.subarray(0, n), digits: into.digits.subarray(0, n), n };
}

/** Test-set metrics of the model these parameters make: exactly the graph that would be exported. */
export async function evaluateParams(recipe: Recipe, params: Params, split: Split, device: Device): Promise<Evaluation> {
  const { session } = await openSession(buildInferenceModel(recipe.arch, params, {}), device);
  try {
    return await evaluate(session, split);
  } finally {
    await session.release();
  }
}
