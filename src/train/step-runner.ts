// Runs training steps on ONNX Runtime: one graph per step when the recipe has one shard or the step runs on CUDA;
// otherwise each shard's gradient (on this thread and on helper threads at once, one ONNX Runtime session each), then
// the update graph.
// A single ORT session uses one core well but not two (docs/performance.md), so data parallelism across sessions is
// what puts a second core to work.
// Shards are part of the recipe, threads are not: the same shards give the same numbers however many threads run
// them, so a model reproduces bit for bit on any machine.
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { CLASSES, PIXELS } from '../model/input-contract.js';
import { argmax, paramCount } from '../model/lenet.js';
import { openSession, type Device, type Provider } from '../model/session.js';
import { buildGradientStep, buildTrainStep, buildUpdateStep, next, PARAMS_INPUT, shardGrad } from '../model/train-step.js';
import type { Batch } from './batch.js';
import type { Recipe } from './recipes.js';
import { batchFeeds, runShard, type ShardResult, type ShardTask } from './shard.js';
import { ShardHelper } from './shard-helper.js';

/** What a step reads and replaces: the parameters and the optimizer state (a Checkpoint is one). */
export interface TrainState {
  params: Float32Array;
  state: Map<string, Float32Array>;
}

export interface StepRunner {
  provider: Provider;
  fallbackReason?: string;
  /** Threads computing gradients (1 on a GPU, which runs the whole batch as one graph). */
  threads: number;
  /** Optimizer state slots the step reads and writes, each as long as the parameters. */
  slots: string[];
  /** One optimizer step on a batch; replaces state.params and state.state. */
  step(batch: Batch, hyper: Record<string, number>, state: TrainState): Promise<{ loss: number; correct: number }>;
  close(): Promise<void>;
}

/** Threads to use when the user does not say: one per shard, up to the cores there are. */
export const defaultThreads = (recipe: Recipe): number => Math.max(1, Math.min(recipe.shards, availableParallelism()));

export async function openStepRunner(recipe: Recipe, device: Device, threads: number): Promise<StepRunner> {
  if (recipe.shards > 1 && device === 'cpu') return openSharded(recipe, threads);
  const fused = await openFused(recipe, device);
  // Shards are how a CPU puts its cores to work. A GPU takes the whole batch in one run, and its sums round their own
  // way anyway, so on CUDA the step stays one graph.
  if (recipe.shards === 1 || fused.provider === 'cuda') return fused;
  await fused.close();
  return { ...(await openSharded(recipe, threads)), fallbackReason: fused.fallbackReason };
}

const vector = (data: Float32Array) => new ort.Tensor('float32', data, [data.length]);
const scalars = (names: string[], values: Record<string, number>) =>
  Object.fromEntries(names.map((name) => [name, new ort.Tensor('float32', [values[name]], [])]));

function optimizerFeeds(hyperInputs: string[], slots: string[], hyper: Record<string, number>, s: TrainState): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = { ...scalars(hyperInputs, hyper), [PARAMS_INPUT]: vector(s.params) };
  for (const slot of slots) feeds[slot] = vector(s.state.get(slot)!);
  return feeds;
}

function takeUpdate(out: ort.InferenceSession.ReturnType, slots: string[], s: TrainState): void {
  s.params = out[next(PARAMS_INPUT)].data as Float32Array;
  for (const slot of slots) s.state.set(slot, out[next(slot)].data as Float32Array);
}

/** The whole step as one graph run: a one-shard recipe, or any recipe on CUDA. */
async function openFused(recipe: Recipe, device: Device): Promise<StepRunner> {
  const graph = buildTrainStep(recipe.arch, recipe.optimizer);
  const { session, provider, fallbackReason } = await openSession(graph.bytes, device, { threads: 1 });
  return {
    provider,
    fallbackReason,
    threads: 1,
    slots: graph.slots,
    async step(batch, hyper, s) {
      const out = await session.run({
        ...batchFeeds(batch.image, batch.target),
        ...optimizerFeeds(graph.hyperInputs, graph.slots, hyper, s),
      });
      takeUpdate(out, graph.slots, s);
      return { loss: (out.loss.data as Float32Array)[0], correct: countCorrect(out.logits.data as Float32Array, batch.digits) };
    },
    close: () => session.release(),
  };
}

/** K shards on the CPU: gradients on `threads` threads (this one and helpers), then one update run. */
async function openSharded(recipe: Recipe, threads: number): Promise<StepRunner> {
  const shards = recipe.shards;
  const gradient = buildGradientStep(recipe.arch);
  const update = buildUpdateStep(recipe.optimizer, shards);
  const { session } = await openSession(gradient, 'cpu', { threads: 1 });
  const updater = (await openSession(update.bytes, 'cpu', { threads: 1 })).session;
  const used = Math.max(1, Math.min(threads, shards));
  const helpers = await Promise.all(Array.from({ length: used - 1 }, () => ShardHelper.start(gradient)));
  const zeros = new Float32Array(paramCount());

  return {
    provider: 'cpu',
    threads: used,
    slots: update.slots,
    async step(batch, hyper, s) {
      const parts = shardBounds(batch.n, shards);
      const share = ([start, end]: [number, number]) => (end - start) / batch.n;
      const task = (part: [number, number]): ShardTask => ({
        image: batch.image.subarray(part[0] * PIXELS, part[1] * PIXELS),
        target: batch.target.subarray(part[0] * CLASSES, part[1] * CLASSES),
        params: s.params,
        scale: share(part),
      });
      // Shard k runs on thread k mod `used`: 0 is this one, i > 0 is helpers[i − 1]. An empty shard runs nowhere.
      const thread = (k: number) => (share(parts[k]) === 0 ? undefined : k % used);
      // Hand the helpers their shards first, then run ours.
      const results: Array<Promise<ShardResult> | ShardResult | undefined> = parts.map((part, k) => {
        const on = thread(k);
        if (on === undefined || on === 0) return undefined; // empty, or ours
        const result = helpers[on - 1].run(task(part));
        result.catch(() => {}); // awaited below, after our own shards; until then a failure must not count as unhandled
        return result;
      });
      for (const [k, part] of parts.entries()) if (thread(k) === 0) results[k] = await runShard(session, task(part));
      const done = await Promise.all(results);

      const feeds = optimizerFeeds(update.hyperInputs, update.slots, hyper, s);
      done.forEach((r, k) => (feeds[shardGrad(k)] = vector(r?.grad ?? zeros)));
      takeUpdate(await updater.run(feeds), update.slots, s);

      let loss = 0;
      let correct = 0;
      done.forEach((r, k) => {
        if (!r) return;
        loss += r.loss * share(parts[k]);
        correct += countCorrect(r.logits, batch.digits.subarray(...parts[k]));
      });
      return { loss, correct };
    },
    async close() {
      await Promise.all(helpers.map((helper) => helper.close()));
      await Promise.all([session.release(), updater.release()]);
    },
  };
}

/** [start, end) of each of k shards of n images, as even as can be (a short last batch may leave some empty). */
export function shardBounds(n: number, k: number): Array<[number, number]> {
  return Array.from({ length: k }, (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)]);
}

function countCorrect(logits: Float32Array, digits: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < digits.length; i++) if (argmax(logits.subarray(i * CLASSES, (i + 1) * CLASSES)) === digits[i]) correct++;
  return correct;
}
