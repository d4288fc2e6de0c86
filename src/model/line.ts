// The line model: LeNet's convolutions swept along a whole line of digits (the space-displacement network of LeCun et
// al. 1998, which LeNet was built for). conv1/pool/conv2/pool/conv3 exactly as lenet.ts, then fc1 and fc2 applied to
// every column as 1×1 convolutions: column t reads input columns [4t, 4t + 27] as LeNet reads one 28×28 digit, and
// scores the ten digits and a CTC blank there. With a reach r, fc1 and fc2 are 1×(2r + 1) convolutions instead, so a
// column's score also sees the columns beside it (where a digit's stroke goes on, what lies in a gap); fc2 may reach
// farther than fc1 (a wide view for a twelfth of fc1's cost a tap), and a context layer between them may compare the
// neighbours' features before fc2 scores them. The line's ends are padded with zeros, so T is the same. Defined once:
// the trainer differentiates it, the exporter freezes it.
import type { Tape, Value } from './autodiff.js';
import { numel } from './onnx-builder.js';
import type { ParamSpec } from './lenet.js';

/** The model's input: float32 [N, 1, 28, W], W ≥ 28, white ink on black in [0, 1] (normaliseLine's output). */
export const LINE_INPUT = 'line';
/** Its output: float32 [N, T, 11] log-probabilities over the ten digits and the blank. */
export const LINE_SCORES = 'scores';
export const LINE_ROWS = 28;
export const LINE_CLASSES = 11;
/** The CTC blank's class index. */
export const BLANK = 10;
/** Input columns between neighbouring output columns (two 2×2 pools). */
export const FRAME_STRIDE = 4;
/** Input columns of one output column's own window (LeNet's 28×28; with a reach it also reads its neighbours'): where
 * its digit is, for the boxes. */
export const FRAME_SPAN = 28;
export const LINE_INPUT_DESCRIPTION = 'float32 [N,1,28,W] (W ≥ 28), in [0,1], white ink on black: one line normalised by normaliseLine';
export const LINE_SCORES_DESCRIPTION =
  'float32 [N,T,11] log-probabilities, T = floor((floor((W − 4) / 2) − 4) / 2) − 3; class 10 is the CTC blank';

/** Output columns for an input W columns wide (the contract's formula; 0 below 28). */
export function lineFrames(width: number): number {
  return Math.max(0, Math.floor((Math.floor((width - 4) / 2) - 4) / 2) - 3);
}

/** Channels of each layer: LeNet's by default; a wider line model keeps LeNet's layers and windows, with more
 * channels in each (models/line.json's card names them). */
export interface LineWidths {
  conv1: number;
  conv2: number;
  conv3: number;
  fc1: number;
  /** Neighbouring columns fc1 and fc2 each read on either side (absent or 0: each column alone, as LeNet). */
  reach?: number;
  /** Neighbouring columns fc2 reads on either side where it reads farther than fc1 (absent: `reach`). */
  fc2Reach?: number;
  /** A second per-column layer between fc1 and fc2 (fc1's channels in and out, ReLU after), reading this many
   * neighbouring columns on either side (absent: no such layer, as LeNet). */
  context?: number;
}

/** The layers applied to every column, which may read their neighbours. */
export const COLUMN_LAYERS = ['fc1', 'fc2'] as const;
export type ColumnLayer = (typeof COLUMN_LAYERS)[number];
export type Reaches = Pick<LineWidths, 'reach' | 'fc2Reach' | 'context'>;

/** The layers that may read neighbouring columns: fc1 and fc2, and the context layer where a model has one. */
export type ReachingLayer = ColumnLayer | 'context';

/** Neighbouring columns a per-column layer reads on either side. */
export const layerReach = (w: Reaches, layer: ReachingLayer): number =>
  layer === 'context' ? (w.context ?? 0) : layer === 'fc2' ? (w.fc2Reach ?? w.reach ?? 0) : (w.reach ?? 0);
/** A per-column layer's kernel width. */
export const reachKernel = (w: Reaches, layer: ReachingLayer = 'fc1'): number => 2 * layerReach(w, layer) + 1;
export const LENET_WIDTHS: LineWidths = { conv1: 6, conv2: 16, conv3: 120, fc1: 64 };

// The same weights as lenet.ts's PARAMS (fc1 and fc2 as 1×1 kernels, fc2 with an eleventh row for the blank), so
// that a trained LeNet's weights start the line model.
export function lineParams(w: LineWidths = LENET_WIDTHS): readonly ParamSpec[] {
  return [
    { name: 'conv1.weight', shape: [w.conv1, 1, 5, 5], init: 'conv' },
    { name: 'conv1.bias', shape: [w.conv1], init: 'zeros' },
    { name: 'conv2.weight', shape: [w.conv2, w.conv1, 5, 5], init: 'conv' },
    { name: 'conv2.bias', shape: [w.conv2], init: 'zeros' },
    { name: 'conv3.weight', shape: [w.conv3, w.conv2, 4, 4], init: 'conv' },
    { name: 'conv3.bias', shape: [w.conv3], init: 'zeros' },
    { name: 'fc1.weight', shape: [w.fc1, w.conv3, 1, reachKernel(w)], init: 'conv' },
    { name: 'fc1.bias', shape: [w.fc1], init: 'zeros' },
    ...(w.context === undefined
      ? []
      : [
          { name: 'context.weight', shape: [w.fc1, w.fc1, 1, reachKernel(w, 'context')], init: 'conv' as const },
          { name: 'context.bias', shape: [w.fc1], init: 'zeros' as const },
        ]),
    { name: 'fc2.weight', shape: [LINE_CLASSES, w.fc1, 1, reachKernel(w, 'fc2')], init: 'conv' },
    { name: 'fc2.bias', shape: [LINE_CLASSES], init: 'zeros' },
  ];
}
export const LINE_PARAMS = lineParams();

/** The layers whose channels LineWidths sets, in order. */
export const WIDENED_LAYERS = ['conv1', 'conv2', 'conv3', 'fc1'] as const;

/** The widths a set of line parameters has, read from its biases (one per output channel), and its reaches from fc1's
 * and fc2's kernels; `missing` makes the error for a parameter that is not there (a model file's reader names the file). */
export function widthsOf(
  params: { get(name: string): ArrayLike<number> | undefined },
  missing = (name: string): Error => new Error(`missing parameter ${name}`),
): LineWidths {
  const channels = (layer: (typeof WIDENED_LAYERS)[number] | 'fc2') => {
    const bias = params.get(`${layer}.bias`);
    if (!bias) throw missing(`${layer}.bias`);
    return bias.length;
  };
  const w: LineWidths = { conv1: channels('conv1'), conv2: channels('conv2'), conv3: channels('conv3'), fc1: channels('fc1') };
  // fc2's rows: LeNet's ten digits, or a line model's eleven classes.
  const [fc1, fc2] = [kernelOf(params, 'fc1', w.fc1, w.conv3, missing), kernelOf(params, 'fc2', channels('fc2'), w.fc1, missing)];
  if (fc1 > 1) w.reach = (fc1 - 1) / 2;
  if (fc2 !== fc1) w.fc2Reach = (fc2 - 1) / 2;
  if (params.get('context.weight')) w.context = (kernelOf(params, 'context', w.fc1, w.fc1, missing) - 1) / 2;
  return w;
}

/** The width of a per-column layer's kernels, from how many values its weight holds. */
function kernelOf(
  params: { get(name: string): ArrayLike<number> | undefined },
  layer: ReachingLayer,
  outputs: number,
  inputs: number,
  missing: (name: string) => Error,
): number {
  const weight = params.get(`${layer}.weight`);
  if (!weight) throw missing(`${layer}.weight`);
  const kernel = weight.length / (outputs * inputs);
  if (!Number.isInteger(kernel) || kernel % 2 !== 1)
    throw new Error(`${layer}.weight has ${weight.length} values: not ${outputs}×${inputs} kernels of an odd width`);
  return kernel;
}

export const lineParamCount = (w: LineWidths = LENET_WIDTHS): number => lineParams(w).reduce((sum, p) => sum + numel(p.shape), 0);

/**
 * Emits the forward pass from a line batch [N,1,28,W] to per-column logits [N,11,1,T] (NCHW, as the convolutions
 * leave them); parameters are values named as in LINE_PARAMS. ReLU after every layer, pooled before the activation
 * as lenet.ts's `lenet5` layout does (the same values), so LeNet's trained weights carry over unchanged. `prefix`
 * names one member's parameters where a graph holds several (an ensemble: line-graphs.ts); `reaches` are the model's
 * (LineWidths).
 */
export function lineForward(t: Tape, line: Value, prefix = '', reaches: Reaches = {}): Value {
  const layer = (x: Value, name: string, pads?: [number, number, number, number]) =>
    t.conv(x, `${prefix}${name}.weight`, `${prefix}${name}.bias`, pads);
  // The per-column layers pad the line's ends by their reach, so T stays.
  const columns = (r: number): [number, number, number, number] | undefined => (r ? [0, r, 0, r] : undefined);
  let x = t.relu(t.maxPool2(layer(line, 'conv1')));
  x = t.relu(t.maxPool2(layer(x, 'conv2')));
  x = t.relu(layer(x, 'conv3'));
  x = t.relu(layer(x, 'fc1', columns(layerReach(reaches, 'fc1'))));
  if (reaches.context !== undefined) x = t.relu(layer(x, 'context', columns(reaches.context)));
  return layer(x, 'fc2', columns(layerReach(reaches, 'fc2')));
}

/** Logits [N,11,1,T] → log-probabilities [N,T,11]: the served layout. Not differentiated (CTC's gradient is taken
 * outside the graph, with respect to the logits). */
export function toScores(t: Tape, logits: Value): Value {
  const columns = t.op('Transpose', [t.op('Squeeze', [logits, t.int64s([2])])], { perm: [0, 2, 1] });
  return t.op('LogSoftmax', [columns], { axis: 2 });
}

/** An upstream gradient in the scores' layout [N,T,11] → the logits' layout [N,11,1,T], to seed backward(). */
export function fromScoresLayout(t: Tape, d: Value): Value {
  return t.op('Unsqueeze', [t.op('Transpose', [d], { perm: [0, 2, 1] }), t.int64s([2])]);
}
