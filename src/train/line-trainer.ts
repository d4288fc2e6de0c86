// The line model's training loop. Each step: the forward graph scores a batch of lines, CTC (ctc.ts) gives the loss and
// its gradient with respect to the logits, the gradient graph runs backward from that, and the update graph applies
// Adam. Fresh lines come from the data worker a chunk at a time, made while the previous chunk trains.
import * as ort from 'onnxruntime-node';
import { BLANK, LINE_CLASSES, LINE_INPUT, LINE_ROWS, LINE_SCORES, lineFrames } from '../model/line.js';
import { buildLineForward, buildLineGradient, buildLineUpdate, DLOGITS } from '../model/line-graphs.js';
import { hyperInputs, scheduledLr } from '../model/optimizers.js';
import { createRng, permutation } from '../model/random.js';
import { openSession } from '../model/session.js';
import { next, PARAMS_INPUT, shardGrad } from '../model/train-step.js';
import { ctcBatch } from './ctc.js';
import { validate, type ValidationFigures, type ValidationSet } from './line-validation.js';
import { recipeWidths, writerHabits, type LineRecipe } from './line-recipe.js';
import { LineDataSource } from './lines/data-source.js';
import type { LineBatch } from './lines/training-line.js';
import type { WarmStartSource } from './lines/warm-start.js';

export interface LineRecord {
  step: number;
  /** Lines learnt from so far (each chunk's lines count once per pass). */
  lines: number;
  /** Mean CTC loss per line since the previous record. */
  loss: number;
  /** Training seconds so far (not counting validation). */
  seconds: number;
  /** CPU seconds of the whole process so far (see LineCheckpoint). */
  cpuSeconds?: number;
  linesPerSecond: number;
  validation?: ValidationFigures;
}

export interface LineCheckpoint {
  recipe: LineRecipe;
  step: number;
  params: Float32Array;
  state: Map<string, Float32Array>;
  history: LineRecord[];
  /** [step, mean loss per line over the CURVE_EVERY steps before it]. */
  lossCurve: Array<[number, number]>;
  seconds: number;
  /** CPU seconds of the whole process (training, line-making threads, validation) so far: the machine is shared, so
   * this, not the wall clock, says what the run costs. Absent in checkpoints written before it was counted. */
  cpuSeconds?: number;
  lines: number;
  warmStart?: WarmStartSource;
}

export type LineEvent =
  | { type: 'start'; steps: number; resumedAt: number; fonts: number }
  | { type: 'step'; step: number; steps: number; loss: number; linesPerSecond: number; seconds: number }
  | { type: 'record'; record: LineRecord };

export interface LineTrainOptions {
  mnistDir?: string;
  /** Threads making lines (1 by default); the lines are the same however many. */
  dataWorkers?: number;
  validation?: ValidationSet[];
  /** Steps between validation records (and at the end). */
  recordEvery: number;
  onEvent?: (e: LineEvent) => void;
  /** Checked after every step: true stops the run (Ctrl-C), which then returns its checkpoint. */
  shouldStop?: () => boolean;
  /** Called with a checkpoint every `checkpointSeconds` (to write it), so a crash loses little. */
  onCheckpoint?: (c: LineCheckpoint) => Promise<void>;
  checkpointSeconds?: number;
}

/** Steps between points of the loss curve. */
export const CURVE_EVERY = 250;

const scalar = (v: number) => new ort.Tensor('float32', [v], []);
const vector = (v: Float32Array) => new ort.Tensor('float32', v, [v.length]);

export async function trainLine(ckpt: LineCheckpoint, opts: LineTrainOptions): Promise<{ checkpoint: LineCheckpoint; stopped: boolean }> {
  const { recipe } = ckpt;
  const open = async (bytes: Uint8Array) => (await openSession(bytes, 'cpu', { threads: 1 })).session;
  const widths = recipeWidths(recipe);
  const forward = await open(buildLineForward(widths));
  const gradient = await open(buildLineGradient(widths));
  const update = buildLineUpdate(recipe.optimizer, 1, widths);
  const updater = await open(update.bytes);
  for (const slot of update.slots) if (!ckpt.state.has(slot)) ckpt.state.set(slot, new Float32Array(ckpt.params.length));
  const { source, fonts } = await LineDataSource.start(
    {
      mnistDir: opts.mnistDir,
      seed: recipe.seed,
      batches: recipe.chunkBatches,
      batchSize: recipe.batchSize,
      fontShare: recipe.fontShare,
      extraFonts: recipe.extraFonts ?? [],
      packagedFonts: recipe.packagedFonts ?? [],
      habits: writerHabits(recipe),
    },
    opts.dataWorkers ?? 1,
  );
  opts.onEvent?.({ type: 'start', steps: recipe.steps, resumedAt: ckpt.step, fonts });

  const perChunk = recipe.chunkBatches * recipe.passes;
  let lossSum = 0;
  let lossCount = 0;
  let curveSum = 0;
  let curveCount = 0;
  let lastCheckpoint = performance.now();
  let stopped = false;
  let cpuMark = process.cpuUsage();
  const countCpu = () => {
    const used = process.cpuUsage(cpuMark);
    ckpt.cpuSeconds = (ckpt.cpuSeconds ?? 0) + (used.user + used.system) / 1e6;
    cpuMark = process.cpuUsage();
  };
  const record = async () => {
    countCpu();
    const rec: LineRecord = {
      step: ckpt.step,
      lines: ckpt.lines,
      loss: lossCount ? lossSum / lossCount : NaN,
      seconds: ckpt.seconds,
      cpuSeconds: ckpt.cpuSeconds,
      linesPerSecond: ckpt.lines / Math.max(1e-9, ckpt.seconds),
    };
    if (opts.validation) rec.validation = await validate(forward, ckpt.params, opts.validation);
    ckpt.history.push(rec);
    lossSum = 0;
    lossCount = 0;
    opts.onEvent?.({ type: 'record', record: rec });
  };

  try {
    while (ckpt.step < recipe.steps && !stopped) {
      const chunk = Math.floor(ckpt.step / perChunk);
      const batches = await source.chunk(chunk);
      for (let k = ckpt.step % perChunk; k < perChunk && ckpt.step < recipe.steps; k++) {
        const pass = Math.floor(k / recipe.chunkBatches);
        const order = permutation(recipe.chunkBatches, createRng((recipe.seed * 7919 + chunk * 31 + pass) >>> 0));
        const started = performance.now();
        const loss = await step(batches[order[k % recipe.chunkBatches]]);
        ckpt.seconds += (performance.now() - started) / 1000;
        ckpt.step++;
        if (Number.isFinite(loss)) {
          lossSum += loss;
          lossCount++;
          curveSum += loss;
          curveCount++;
        }
        if (ckpt.step % CURVE_EVERY === 0 && curveCount > 0) {
          ckpt.lossCurve.push([ckpt.step, curveSum / curveCount]);
          curveSum = 0;
          curveCount = 0;
        }
        opts.onEvent?.({
          type: 'step',
          step: ckpt.step,
          steps: recipe.steps,
          loss,
          linesPerSecond: ckpt.lines / ckpt.seconds,
          seconds: ckpt.seconds,
        });
        if (ckpt.step % opts.recordEvery === 0 || ckpt.step === recipe.steps) await record();
        if (opts.shouldStop?.()) {
          stopped = true;
          break;
        }
        if (opts.onCheckpoint && performance.now() - lastCheckpoint > (opts.checkpointSeconds ?? 120) * 1000) {
          countCpu();
          await opts.onCheckpoint(ckpt);
          lastCheckpoint = performance.now();
        }
      }
    }
  } finally {
    countCpu();
    await source.close();
    await Promise.all([forward.release(), gradient.release(), updater.release()]);
  }
  return { checkpoint: ckpt, stopped };

  async function step(batch: LineBatch): Promise<number> {
    const line = new ort.Tensor('float32', batch.data, [batch.n, 1, LINE_ROWS, batch.width]);
    const params = vector(ckpt.params);
    const scores = (await forward.run({ [LINE_INPUT]: line, [PARAMS_INPUT]: params }))[LINE_SCORES];
    const frames = scores.dims[1];
    const ctc = ctcBatch(scores.data as Float32Array, batch.n, frames, LINE_CLASSES, batch.labels, BLANK, batch.widths.map(lineFrames));
    ckpt.lines += batch.n - ctc.skipped;
    if (ctc.skipped === batch.n) return NaN;
    const dlogits = new ort.Tensor('float32', ctc.grad, [batch.n, frames, LINE_CLASSES]);
    const grad = (await gradient.run({ [LINE_INPUT]: line, [PARAMS_INPUT]: params, [DLOGITS]: dlogits })).grad;
    const lr = scheduledLr(recipe.schedule, recipe.lr, ckpt.step, recipe.steps);
    const hyper = hyperInputs(recipe.optimizer, lr, ckpt.step + 1);
    const feeds: Record<string, ort.Tensor> = { [shardGrad(0)]: grad, [PARAMS_INPUT]: params };
    for (const name of update.hyperInputs) feeds[name] = scalar(hyper[name]);
    for (const slot of update.slots) feeds[slot] = vector(ckpt.state.get(slot)!);
    const out = await updater.run(feeds);
    ckpt.params = out[next(PARAMS_INPUT)].data as Float32Array;
    for (const slot of update.slots) ckpt.state.set(slot, out[next(slot)].data as Float32Array);
    return ctc.loss;
  }
}
