// The line model's graphs. CTC's loss and gradient are computed outside the graph (src/train/ctc.ts), so a training
// step is two runs: the forward graph gives the scores, CTC turns them into the gradient with respect to the logits,
// and the gradient graph recomputes the forward pass and runs backward from that upstream gradient. The parameters
// travel as one flat vector [P] in lineParams order, as train-step.ts does for LeNet.
//   forward:  line [N,1,28,W], params [P]                        → scores [N,T,11]
//   gradient: line, params, dlogits [N,T,11] (d loss / d logits)  → grad [P]
//   update:   grad.0 … grad.K-1, hyper-parameters, params, slots   → params.next, <slot>.next
//   inference: line → scores, with the weights frozen in (models/line.onnx)
import { Tape } from './autodiff.js';
import type { Params } from './init.js';
import {
  LINE_CLASSES,
  LINE_INPUT,
  LENET_WIDTHS,
  LINE_ROWS,
  LINE_SCORES,
  fromScoresLayout,
  lineForward,
  lineParamCount,
  lineParams,
  toScores,
  widthsOf,
  type LineWidths,
} from './line.js';
import { DataType, encodeModel, makeGraph, makeModel, makeTensor, makeValueInfo, numel, type ValueInfoProto } from './onnx-builder.js';
import { HYPER_INPUTS, STATE_SLOTS, emitUpdate, type OptimizerConfig } from './optimizers.js';
import { PARAMS_INPUT, next, shardGrad } from './train-step.js';

export const DLOGITS = 'dlogits';
const F = DataType.FLOAT;
const vector = (name: string, w: LineWidths) => makeValueInfo(name, F, [lineParamCount(w)]);
const lineInput = () => makeValueInfo(LINE_INPUT, F, ['N', 1, LINE_ROWS, 'W']);
const scoresInfo = (name: string) => makeValueInfo(name, F, ['N', 'T', LINE_CLASSES]);

function model(
  t: Tape,
  name: string,
  inputs: ValueInfoProto[],
  outputs: ValueInfoProto[],
  initializers = t.constants,
  doc = '',
  meta = {},
) {
  return encodeModel(makeModel(makeGraph(t.nodes, name, inputs, outputs, initializers), meta, doc));
}

/** Splits the flat parameter vector into the named parameters lineForward reads; each may be asked for a gradient. */
function unpackParams(t: Tape, withGrad: boolean, w: LineWidths): void {
  const specs = lineParams(w);
  const pieces = t.emit('Split', [PARAMS_INPUT, t.int64s(specs.map((p) => numel(p.shape)))], { axis: 0 }, specs.length);
  specs.forEach((p, i) => {
    const named = t.rename(t.op('Reshape', [pieces[i], t.int64s(p.shape)]), p.name);
    if (withGrad) t.requireGrad(named);
  });
}

export function buildLineForward(w: LineWidths = LENET_WIDTHS): Uint8Array {
  const t = new Tape();
  unpackParams(t, false, w);
  t.rename(toScores(t, lineForward(t, LINE_INPUT, '', w)), LINE_SCORES);
  return model(t, 'line_forward', [lineInput(), vector(PARAMS_INPUT, w)], [scoresInfo(LINE_SCORES)]);
}

/** ∇ params of Σ dlogits · logits: the chain rule's last step, with dlogits = d loss / d logits from CTC. */
export function buildLineGradient(w: LineWidths = LENET_WIDTHS): Uint8Array {
  const t = new Tape();
  unpackParams(t, true, w);
  const logits = lineForward(t, LINE_INPUT, '', w);
  t.backward(logits, fromScoresLayout(t, DLOGITS));
  const flat = t.int64s([-1]);
  const grads = lineParams(w).map((p) => {
    const grad = t.gradOf(p.name);
    if (!grad) throw new Error(`no gradient reaches ${p.name}`);
    return t.op('Reshape', [grad, flat]);
  });
  t.rename(t.op('Concat', grads, { axis: 0 }), 'grad');
  return model(t, 'line_gradient', [lineInput(), vector(PARAMS_INPUT, w), scoresInfo(DLOGITS)], [vector('grad', w)]);
}

export interface LineUpdateModel {
  bytes: Uint8Array;
  hyperInputs: string[];
  slots: string[];
}

/** Sums K shard gradients and applies the optimizer. */
export function buildLineUpdate(optimizer: OptimizerConfig, shards: number, w: LineWidths = LENET_WIDTHS): LineUpdateModel {
  const t = new Tape();
  const vec = (name: string) => vector(name, w);
  const grads = Array.from({ length: shards }, (_, k) => shardGrad(k));
  const slots = STATE_SLOTS[optimizer.name];
  const step = emitUpdate(t, optimizer, PARAMS_INPUT, shards === 1 ? grads[0] : t.op('Sum', grads), slots);
  t.rename(step.param, next(PARAMS_INPUT));
  slots.forEach((slot, i) => t.rename(step.state[i], next(slot)));
  const hyperInputs = HYPER_INPUTS[optimizer.name];
  const bytes = model(
    t,
    'line_update',
    [...grads.map(vec), ...hyperInputs.map((n) => makeValueInfo(n, F, [])), ...[PARAMS_INPUT, ...slots].map(vec)],
    [PARAMS_INPUT, ...slots].map((n) => vec(next(n))),
  );
  return { bytes, hyperInputs, slots };
}

/** One model's trained weights as initializers, named with `prefix` (their widths read from the weights). */
function frozen(params: Params, prefix = '') {
  return lineParams(widthsOf(params)).map((p) => {
    const values = params.get(p.name);
    if (!values || values.length !== numel(p.shape)) throw new Error(`missing or misshapen parameter ${p.name}`);
    return makeTensor(`${prefix}${p.name}`, p.shape, values);
  });
}

/** The served model: line → scores, with the trained weights frozen in as initializers. */
export function buildLineInference(params: Params, metadata: Record<string, string>): Uint8Array {
  const t = new Tape();
  t.rename(toScores(t, lineForward(t, LINE_INPUT, '', widthsOf(params))), LINE_SCORES);
  const doc = 'LeNet swept along a line of digits, scored per column for CTC: see models/line.json for its card.';
  return model(t, 'line', [lineInput()], [scoresInfo(LINE_SCORES)], [...frozen(params), ...t.constants], doc, metadata);
}

/**
 * Several trained line models as one served model with the same contract: each member scores the line, and each
 * column's class probabilities are their mean, as log-probabilities: log Σ exp(sₖ) − log K, taken from the largest
 * sₖ (log-sum-exp) so that a class every member thinks impossible stays finite. The members share one frame grid (the
 * same architecture), so their columns are the same windows of the line.
 */
export function buildLineEnsembleInference(members: Params[], metadata: Record<string, string>): Uint8Array {
  if (members.length < 2) throw new Error('an ensemble needs at least two line models');
  const t = new Tape();
  const scores = members.map((params, k) => toScores(t, lineForward(t, LINE_INPUT, `m${k}.`, widthsOf(params))));
  const top = t.op('Max', scores);
  const sum = t.op(
    'Sum',
    scores.map((s) => t.op('Exp', [t.op('Sub', [s, top])])),
  );
  const mean = t.op('Sub', [t.op('Log', [sum]), t.constant([Math.log(members.length)], [])]);
  t.rename(t.op('Add', [top, mean]), LINE_SCORES);
  const weights = members.flatMap((params, k) => frozen(params, `m${k}.`));
  const doc = `${members.length} line models, each LeNet swept along a line, their per-column probabilities averaged: see models/line.json.`;
  return model(t, 'line', [lineInput()], [scoresInfo(LINE_SCORES)], [...weights, ...t.constants], doc, metadata);
}

/** Named views into a flat line-parameter vector of a model `w` wide. */
export function unflattenLineParams(flat: Float32Array, w: LineWidths = LENET_WIDTHS): Params {
  if (flat.length !== lineParamCount(w)) throw new Error(`${flat.length} line parameters, expected ${lineParamCount(w)}`);
  const params: Params = new Map();
  let offset = 0;
  for (const p of lineParams(w)) {
    const size = numel(p.shape);
    params.set(p.name, flat.subarray(offset, offset + size));
    offset += size;
  }
  return params;
}

export function flattenLineParams(params: Params): Float32Array {
  const w = widthsOf(params);
  const flat = new Float32Array(lineParamCount(w));
  let offset = 0;
  for (const p of lineParams(w)) {
    const values = params.get(p.name);
    if (!values || values.length !== numel(p.shape)) throw new Error(`missing or misshapen parameter ${p.name}`);
    flat.set(values, offset);
    offset += values.length;
  }
  return flat;
}
