// The training step as ONNX graphs. Parameters travel as one flat vector [P] (every parameter, flattened and
// concatenated in PARAMS order), so the optimizer is a dozen nodes rather than a dozen per parameter tensor: ORT's
// per-node overhead, not arithmetic, dominates a model this small.
//
// One shard (the whole batch at once): ONE graph, forward + mean cross-entropy + backward + optimizer update.
//   inputs:  image [N,1,side,side] (input-contract.ts), target [N,10] (what each image should read as: a one-hot label,
//            ten equal tenths for a non-digit, or a soft row), hyper-parameter scalars, params [P], one [P] per optimizer slot
//   outputs: loss (scalar), logits [N,10], params.next [P], <slot>.next [P]
// K shards (data parallel): the batch is cut into K parts whose gradients are computed by the gradient graph, on
// as many threads as there are, and summed by the update graph.
//   gradient: image, target, params, grad_scale (the shard's share of the batch) → loss, logits, grad [P]
//   update:   grad.0 … grad.K-1, hyper-parameters, params, slots → params.next, <slot>.next
// grad_scale makes each shard's gradient its part of the whole batch's mean gradient, so the update just sums them.
import { Tape, type Value } from './autodiff.js';
import { CLASSES, IMAGE_SHAPE, INPUT_NAME, LOGITS } from './input-contract.js';
import { PARAMS, lenetForward, paramCount, type Architecture } from './lenet.js';
import { DataType, encodeModel, makeGraph, makeModel, makeValueInfo, numel, type ValueInfoProto } from './onnx-builder.js';
import { HYPER_INPUTS, STATE_SLOTS, emitUpdate, type OptimizerConfig } from './optimizers.js';

export interface TrainStepModel {
  bytes: Uint8Array;
  hyperInputs: string[];
  /** Optimizer state vectors, each [P], zero at the start. */
  slots: string[];
}

export const PARAMS_INPUT = 'params';
export const GRAD_SCALE = 'grad_scale';
export const TARGET = 'target';
export const next = (name: string): string => `${name}.next`;
export const shardGrad = (k: number): string => `grad.${k}`;

const F = DataType.FLOAT;
const vector = (name: string) => makeValueInfo(name, F, [paramCount()]);
const batchInputs = (): ValueInfoProto[] => [makeValueInfo(INPUT_NAME, F, ['N', ...IMAGE_SHAPE]), makeValueInfo(TARGET, F, ['N', CLASSES])];
const batchOutputs = (): ValueInfoProto[] => [makeValueInfo('loss', F, []), makeValueInfo(LOGITS, F, ['N', CLASSES])];

/** Forward, loss and backward for a batch; returns the flat gradient of `seed` × mean loss. */
function emitGradient(t: Tape, arch: Architecture, seed: Value): Value {
  const sizes = PARAMS.map((p) => numel(p.shape));
  const pieces = t.emit('Split', [PARAMS_INPUT, t.int64s(sizes)], { axis: 0 }, PARAMS.length);
  PARAMS.forEach((p, i) => t.requireGrad(t.rename(t.op('Reshape', [pieces[i], t.int64s(p.shape)]), p.name)));

  const logits = lenetForward(t, INPUT_NAME, arch);
  const loss = t.softmaxCrossEntropy(logits, TARGET);
  t.backward(loss, seed);

  const flat = t.int64s([-1]);
  const grads = PARAMS.map((p) => {
    const grad = t.gradOf(p.name);
    if (!grad) throw new Error(`no gradient reaches ${p.name}`);
    return t.op('Reshape', [grad, flat]);
  });
  t.rename(loss, 'loss');
  t.rename(logits, LOGITS);
  return t.op('Concat', grads, { axis: 0 });
}

/** The optimizer's update from a gradient; renames its results to the graph outputs. */
function emitOptimizerStep(t: Tape, optimizer: OptimizerConfig, grad: Value): { slots: string[] } {
  const slots = STATE_SLOTS[optimizer.name];
  const step = emitUpdate(t, optimizer, PARAMS_INPUT, grad, slots);
  t.rename(step.param, next(PARAMS_INPUT));
  slots.forEach((slot, i) => t.rename(step.state[i], next(slot)));
  return { slots };
}

const optimizerInputs = (optimizer: OptimizerConfig): ValueInfoProto[] => [
  ...HYPER_INPUTS[optimizer.name].map((name) => makeValueInfo(name, F, [])),
  ...[PARAMS_INPUT, ...STATE_SLOTS[optimizer.name]].map(vector),
];
const optimizerOutputs = (optimizer: OptimizerConfig): ValueInfoProto[] =>
  [PARAMS_INPUT, ...STATE_SLOTS[optimizer.name]].map((name) => vector(next(name)));

function model(t: Tape, name: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[]): Uint8Array {
  return encodeModel(makeModel(makeGraph(t.nodes, name, inputs, outputs, t.constants)));
}

/** The whole step in one graph: for a one-shard recipe, and for any recipe on CUDA. */
export function buildTrainStep(arch: Architecture, optimizer: OptimizerConfig): TrainStepModel {
  const t = new Tape();
  const { slots } = emitOptimizerStep(t, optimizer, emitGradient(t, arch, t.constant([1], [])));
  const bytes = model(
    t,
    'lenet_train_step',
    [...batchInputs(), ...optimizerInputs(optimizer)],
    [...batchOutputs(), ...optimizerOutputs(optimizer)],
  );
  return { bytes, hyperInputs: HYPER_INPUTS[optimizer.name], slots };
}

/** One shard's gradient: grad_scale × ∇(mean loss over the shard). */
export function buildGradientStep(arch: Architecture): Uint8Array {
  const t = new Tape();
  t.rename(emitGradient(t, arch, GRAD_SCALE), 'grad');
  return model(
    t,
    'lenet_gradient',
    [...batchInputs(), vector(PARAMS_INPUT), makeValueInfo(GRAD_SCALE, F, [])],
    [...batchOutputs(), vector('grad')],
  );
}

/** Sums K shard gradients and applies the optimizer. */
export function buildUpdateStep(optimizer: OptimizerConfig, shards: number): TrainStepModel {
  const t = new Tape();
  const grads = Array.from({ length: shards }, (_, k) => shardGrad(k));
  const { slots } = emitOptimizerStep(t, optimizer, shards === 1 ? grads[0] : t.op('Sum', grads));
  const bytes = model(t, 'lenet_update', [...grads.map(vector), ...optimizerInputs(optimizer)], optimizerOutputs(optimizer));
  return { bytes, hyperInputs: HYPER_INPUTS[optimizer.name], slots };
}
