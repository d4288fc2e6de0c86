// LeNet, defined once. The trainer differentiates this forward pass; the exporter freezes it with trained weights.
import type { Tape, Value } from './autodiff.js';
import { numel } from './onnx-builder.js';

/** The index of the largest score: the predicted digit. The first maximum wins a tie. */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}
export const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface ParamSpec {
  name: string;
  shape: number[];
  /** How it is initialised: see init.ts. */
  init: 'conv' | 'linear' | 'zeros';
}

// conv 1→6 k5, pool, conv 6→16 k5, pool, conv 16→120 k4, fc 120→64, fc 64→10 (side 28→24→12→8→4→1: the
// kernels are sized for input-contract.ts's SIDE).
export const PARAMS: readonly ParamSpec[] = [
  { name: 'conv1.weight', shape: [6, 1, 5, 5], init: 'conv' },
  { name: 'conv1.bias', shape: [6], init: 'zeros' },
  { name: 'conv2.weight', shape: [16, 6, 5, 5], init: 'conv' },
  { name: 'conv2.bias', shape: [16], init: 'zeros' },
  { name: 'conv3.weight', shape: [120, 16, 4, 4], init: 'conv' },
  { name: 'conv3.bias', shape: [120], init: 'zeros' },
  { name: 'fc1.weight', shape: [64, 120], init: 'linear' },
  { name: 'fc1.bias', shape: [64], init: 'zeros' },
  { name: 'fc2.weight', shape: [10, 64], init: 'linear' },
  { name: 'fc2.bias', shape: [10], init: 'zeros' },
];

export type Activation = 'sigmoid' | 'relu';

/**
 * Where the activations go.
 * - `paddle`: the PaddlePaddle tutorial exactly: conv1 → act → pool → act → conv2 → pool → conv3 → fc1 → act → fc2.
 * - `lenet5`: one activation after every conv and fc1 (LeCun's arrangement), which trains better with ReLU.
 */
export type Layout = 'paddle' | 'lenet5';

export interface Architecture {
  activation: Activation;
  layout: Layout;
}

/** Emits the forward pass from an image batch (input-contract.ts) to logits [N,10]; parameters are values named as in PARAMS. */
export function lenetForward(t: Tape, image: Value, arch: Architecture): Value {
  const act = (x: Value) => (arch.activation === 'relu' ? t.relu(x) : t.sigmoid(x));
  const fc = (x: Value) => t.linear(act(t.linear(t.flatten(x), 'fc1.weight', 'fc1.bias')), 'fc2.weight', 'fc2.bias');

  if (arch.layout === 'paddle') {
    const x = act(t.maxPool2(act(t.conv(image, 'conv1.weight', 'conv1.bias'))));
    return fc(t.conv(t.maxPool2(t.conv(x, 'conv2.weight', 'conv2.bias')), 'conv3.weight', 'conv3.bias'));
  }
  // conv → act → pool, computed as conv → pool → act: a monotone activation commutes with max, so the values are the
  // same (with ReLU the gradients too, bit for bit), and the activation and its gradient touch a quarter of the numbers.
  let x = act(t.maxPool2(t.conv(image, 'conv1.weight', 'conv1.bias')));
  x = act(t.maxPool2(t.conv(x, 'conv2.weight', 'conv2.bias')));
  return fc(act(t.conv(x, 'conv3.weight', 'conv3.bias')));
}

export const paramCount = (): number => PARAMS.reduce((sum, p) => sum + numel(p.shape), 0);
