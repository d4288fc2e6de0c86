// The training loop, in the shape of PyTorch's examples/mnist: for each epoch, a step per batch, then the test set. Each
// step hands a batch, the parameters and the optimizer state to the step runner (one training graph, or the recipe's
// gradient shards on several threads: step-runner.ts) and takes back the loss and the updated parameters and state.
import { buildInferenceModel } from '../model/inference-graph.js';
import { flattenParams, initParams, unflattenParams, type Params } from '../model/init.js';
import { CLASSES, PIXELS, pixelToFloat } from '../model/input-contract.js';
import { paramCount } from '../model/lenet.js';
import { hyperInputs, scheduledLr } from '../model/optimizers.js';
import { createRng, permutation } from '../model/random.js';
import { openSession, type Device, type Provider } from '../model/session.js';
import { augmentedInto, sampleRng, shiftedInto } from './augment.js';
import { averageAfterEpoch, averageAfterStep } from './averaging.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { imageAt, type Mnist, type Split } from './mnist.js';
import { notDigit } from './not-digits.js';
import type { Recipe } from './recipes.js';
import type { Batch } from './batch.js';
import { defaultThreads, openStepRunner, type StepRunner } from './step-runner.js';
import { openTeachers, type Teachers } from './teachers.js';
import { loadFontDigits, type FontDigits } from './font-digits.js';
import { warmStartParams } from './warm-start.js';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** The same weights on the held-out training images (train[recipe.trainImages:]), when the recipe holds some out. */
  heldOutLoss?: number;
  heldOutAccuracy?: number;
  /** With weight averaging the figures above are the average's (what is exported); these are the last step's weights. */
  raw?: { testLoss: number; testAccuracy: number; heldOutLoss?: number; heldOutAccuracy?: number };
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
  /** Optimizer slots (e.g. exp_avg), each as long as params, and the weight average (AVERAGE_SLOT) if the recipe keeps one. */
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
  /** Called after every optimizer step with the new parameters (read them, never write them): for experiments. */
  onStep?: (params: Float32Array, step: number) => void;
}

export type TrainResult =
  | { status: 'done'; params: Params; history: EpochRecord[]; lossCurve: Checkpoint['lossCurve']; final: Evaluation; provider: Provider }
  | { status: 'interrupted'; checkpoint: Checkpoint };

export class DivergedError extends Error {}

const CURVE_POINTS_PER_EPOCH = 20;
/** The label of a non-digit: one past the last class. Its target is "unsure among all ten": a tenth each. */
const NOT_A_DIGIT = CLASSES;
const UNSURE = 1 / CLASSES;
/** Where a run keeps its weight average (recipe.average), beside the optimizer's slots, so a checkpoint carries it. */
export const AVERAGE_SLOT = 'weight_average';

/** Trains recipe on data: an epoch of optimizer steps, then the test set, until the recipe's epochs are done. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { recipe, data, device } = opts;
  const trainCount = trainImagesOf(recipe, data, opts.trainLimit);
  const totalSteps = Math.ceil(trainCount / recipe.batchSize) * recipe.epochs;
  const run = opts.resume ?? startRun(recipe);
  const fonts = recipe.fonts && (await loadFontDigits(recipe.fonts));
  const teachers = recipe.distill && (await openTeachers(recipe.distill, device));
  const runner = await openStepRunner(recipe, device, opts.threads ?? defaultThreads(recipe)).catch(async (err: unknown) => {
    await teachers?.close();
    throw err;
  });
  for (const slot of runner.slots) if (!run.state.has(slot)) run.state.set(slot, new Float32Array(paramCount()));
  const { provider, fallbackReason, threads } = runner;
  opts.onEvent?.({ type: 'start', provider, fallbackReason, threads, steps: totalSteps, resumedAt: opts.resume ? run.step : undefined });
  const heldOut = heldOutOf(recipe, data);
  // The runner holds sessions and helper threads: close it however training ends (done, Ctrl-C, divergence).
  try {
    let test: Evaluation | undefined; // the latest epoch's test-set evaluation of the exported weights
    for (; run.epoch < recipe.epochs; run.epoch++, run.batch = 0) {
      const epoch = await trainEpoch(runner, run, { ...opts, trainCount, totalSteps, teachers, fonts });
      if (!epoch) return { status: 'interrupted', checkpoint: run };
      keepAverage(run, averageAfterEpoch(recipe.average, run.state.get(AVERAGE_SLOT), run.params, run.epoch + 1, recipe.epochs));
      const { trainLoss, trainAccuracy, seconds, imagesPerSecond } = epoch;
      const measure = async (params: Float32Array) => {
        const named = unflattenParams(params);
        const onTest = await evaluateParams(recipe, named, data.test, provider);
        const held = heldOut && (await evaluateParams(recipe, named, heldOut, provider));
        return { onTest, held: held ? { heldOutLoss: held.loss, heldOutAccuracy: held.accuracy } : {} };
      };
      const weights = exportedParams(recipe, run);
      const exported = await measure(weights);
      test = exported.onTest;
      const raw = weights !== run.params ? await measure(run.params) : undefined;
      const record: EpochRecord = {
        epoch: run.epoch + 1,
        trainLoss,
        trainAccuracy,
        testLoss: test.loss,
        testAccuracy: test.accuracy,
        ...exported.held,
        ...(raw && { raw: { testLoss: raw.onTest.loss, testAccuracy: raw.onTest.accuracy, ...raw.held } }),
        seconds,
        imagesPerSecond,
      };
      run.history.push(record);
      opts.onEvent?.({ type: 'epoch', record, epochs: recipe.epochs });
    }

    const params = unflattenParams(exportedParams(recipe, run));
    // The last epoch already evaluated these exact parameters; only a run resumed after its last epoch has not.
    const final = test ?? (await evaluateParams(recipe, params, data.test, provider));
    return { status: 'done', params, history: run.history, lossCurve: run.lossCurve, final, provider };
  } finally {
    await Promise.all([runner.close(), teachers?.close()]);
  }
}

/** How many training images a run uses: the first `trainLimit` (a quick look), or the recipe's, or all. */
export function trainImagesOf(recipe: Recipe, data: Mnist, trainLimit?: number): number {
  return Math.min(trainLimit ?? recipe.trainImages ?? data.train.count, data.train.count);
}

function keepAverage(run: Checkpoint, avg: Float32Array | undefined): void {
  if (avg) run.state.set(AVERAGE_SLOT, avg);
}

/** The weights a run exports: the recipe's weight average once it has one, else the last step's. */
function exportedParams(recipe: Recipe, run: Checkpoint): Float32Array {
  return (recipe.average && run.state.get(AVERAGE_SLOT)) || run.params;
}

/** The training images the recipe holds out (train[trainImages:]), as a split of their own; none if it holds none out. */
export function heldOutOf(recipe: Recipe, data: Mnist): Split | undefined {
  const from = recipe.trainImages;
  if (from === undefined || from >= data.train.count) return undefined;
  const { images, labels, count } = data.train;
  return { images: images.subarray(from * PIXELS), labels: labels.subarray(from), count: count - from };
}

/** A run at its start: the recipe's initial parameters, zero optimizer state, nothing done yet. */
function startRun(recipe: Recipe): Checkpoint {
  return {
    recipe,
    epoch: 0,
    batch: 0,
    step: 0,
    params: recipe.init ? warmStartParams(recipe.init) : flattenParams(initParams(createRng(recipe.seed))),
    state: new Map(),
    history: [],
    lossCurve: [],
  };
}

type EpochStats = Omit<EpochRecord, 'epoch' | 'testLoss' | 'testAccuracy'>;

/** The rest of run's current epoch, one optimizer step per batch, updating run as it goes; undefined if aborted. */
async function trainEpoch(
  runner: StepRunner,
  run: Checkpoint,
  opts: TrainOptions & { trainCount: number; totalSteps: number; teachers?: Teachers; fonts?: FontDigits },
): Promise<EpochStats | undefined> {
  const { recipe, data, trainCount, totalSteps, teachers, fonts } = opts;
  const batchesPerEpoch = Math.ceil(trainCount / recipe.batchSize);
  // The epoch's order depends only on (seed, epoch), so a resumed run sees the same batches.
  const order = permutation(trainCount, createRng(recipe.seed * 7919 + run.epoch + 1));
  const buffers = [batchBuffers(recipe.batchSize), batchBuffers(recipe.batchSize)];
  // Batch b of this epoch, the one optimizer step `step` takes; made in one of two buffers, in turn.
  const batchAt = async (b: number, step: number) => {
    const indices = order.subarray(b * recipe.batchSize, (b + 1) * recipe.batchSize);
    const rng = createRng(recipe.seed * 104729 + step);
    const batch = makeBatch(buffers[step % 2], data.train, trainCount, indices, recipe, run.epoch, rng, fonts);
    await teachers?.soften(batch);
    return batch;
  };
  // A batch made ahead and never taken (Ctrl-C) must not fail as unhandled; a taken one is awaited and fails there.
  const ahead = (b: number, step: number) => {
    const made = batchAt(b, step);
    made.catch(() => {});
    return made;
  };
  let ready = run.batch < batchesPerEpoch ? ahead(run.batch, run.step) : undefined;
  const curve = lossCurve(run.lossCurve, Math.max(1, Math.floor(batchesPerEpoch / CURVE_POINTS_PER_EPOCH)));
  const started = performance.now();
  let [lossSum, correct, seen, digits] = [0, 0, 0, 0];

  for (; run.batch < batchesPerEpoch; run.batch++) {
    if (opts.signal?.aborted) return undefined;
    const batch = await ready!;
    const lr = scheduledLr(recipe.schedule, recipe.lr, run.step, totalSteps);
    run.step++;
    const pending = runner.step(batch, hyperInputs(recipe.optimizer, lr, run.step), run);
    // The next batch (its augmentation is most of the loader's work) is made while ONNX Runtime's threads compute this
    // one; this thread would only wait.
    if (run.batch + 1 < batchesPerEpoch) ready = ahead(run.batch + 1, run.step);
    const out = await pending;
    if (!Number.isFinite(out.loss)) {
      throw new DivergedError(
        `loss became ${out.loss} at epoch ${run.epoch + 1}, step ${run.step}: training diverged (try a lower --lr); nothing was written`,
      );
    }
    lossSum += out.loss * batch.n;
    correct += out.correct;
    seen += batch.n;
    for (let i = 0; i < batch.n; i++) if (batch.digits[i] < CLASSES) digits++;
    keepAverage(run, averageAfterStep(recipe.average, run.state.get(AVERAGE_SLOT), run.params));
    opts.onStep?.(run.params, run.step);
    curve(run.step, out.loss);
    const seconds = (performance.now() - started) / 1000;
    opts.onEvent?.({ type: 'batch', epoch: run.epoch, seen, total: trainCount, loss: lossSum / seen, imagesPerSecond: seen / seconds });
  }
  const seconds = (performance.now() - started) / 1000;
  // Accuracy over the digits only: a non-digit has no right answer.
  return { trainLoss: lossSum / seen, trainAccuracy: correct / digits, seconds, imagesPerSecond: seen / seconds };
}

/** Appends to `points` the mean loss of every `every` steps. */
function lossCurve(points: Checkpoint['lossCurve'], every: number): (step: number, loss: number) => void {
  let [sum, count] = [0, 0];
  return (step, loss) => {
    sum += loss;
    if (++count === every) {
      points.push([step, sum / count]);
      [sum, count] = [0, 0];
    }
  };
}

/** One batch's buffers, reused every step (a fresh 200 KB per step only fed the garbage collector). */
function batchBuffers(size: number): Batch {
  return { image: new Float32Array(size * PIXELS), target: new Float32Array(size * CLASSES), digits: new Uint8Array(size), n: size };
}

/**
 * The batch of these training images: each augmented from its own (seed, epoch, index) stream, or only shifted; a share
 * `recipe.notDigits` of them replaced by a non-digit made from it and another of the first `count` images, and of the
 * rest a share `recipe.fonts.share` by a font digit (drawn after the non-digit, so a recipe without fonts is unchanged).
 */
function makeBatch(
  into: Batch,
  split: Split,
  count: number,
  indices: Uint32Array,
  recipe: Recipe,
  epoch: number,
  rng: () => number,
  fonts?: FontDigits,
): Batch {
  const { shift, augment, notDigits = 0 } = recipe;
  const fontShare = fonts ? recipe.fonts!.share : 0;
  const n = indices.length;
  const offset = () => Math.floor(rng() * (2 * shift + 1)) - shift;
  for (let i = 0; i < n; i++) {
    const index = indices[i];
    let src = imageAt(split, index);
    let label = split.labels[index];
    const own = augment || notDigits || fontShare ? sampleRng(recipe.seed, epoch, index) : undefined;
    const garbage = own && notDigits > 0 && own() < notDigits ? notDigit(src, imageAt(split, Math.floor(own() * count)), own) : undefined;
    if (!garbage && fonts && own!() < fontShare) {
      const k = Math.floor(own!() * fonts.count);
      [src, label] = [imageAt(fonts, k), fonts.labels[k]];
    }
    if (garbage) {
      for (let p = 0; p < PIXELS; p++) into.image[i * PIXELS + p] = pixelToFloat(garbage[p]);
      label = NOT_A_DIGIT;
    } else if (augment) augmentedInto(into.image, i * PIXELS, src, augment, shift, own!);
    else shiftedInto(into.image, i * PIXELS, src, shift ? offset() : 0, shift ? offset() : 0);
    into.digits[i] = label;
    const row = into.target.subarray(i * CLASSES, (i + 1) * CLASSES);
    if (label === NOT_A_DIGIT) row.fill(UNSURE);
    else row.fill(0)[label] = 1;
  }
  // A short last batch uses the front of the buffers.
  if (n === into.n) return into;
  return { image: into.image.subarray(0, n * PIXELS), target: into.target.subarray(0, n * CLASSES), digits: into.digits.subarray(0, n), n };
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
