// PaddlePaddle's default initialisation, which the tutorial relies on (with PyTorch's default init this sigmoid
// LeNet does not learn in 5 epochs): conv weights N(0, sqrt(2 / fan_in)), linear weights Xavier-uniform, zero biases.
import { PARAMS, paramCount, type ParamSpec } from './lenet.js';
import { numel } from './onnx-builder.js';
import { normal } from './random.js';

export type Params = Map<string, Float32Array>;

function initParam(spec: ParamSpec, rng: () => number): Float32Array {
  const size = numel(spec.shape);
  const values = new Float32Array(size);
  if (spec.init === 'conv') {
    const fanIn = size / spec.shape[0]; // in_channels × k × k
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < size; i++) values[i] = std * normal(rng);
  } else if (spec.init === 'linear') {
    const [fanOut, fanIn] = spec.shape;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let i = 0; i < size; i++) values[i] = (2 * rng() - 1) * limit;
  }
  return values;
}

export function initParams(rng: () => number): Params {
  return new Map(PARAMS.map((spec) => [spec.name, initParam(spec, rng)]));
}

/** All parameters as one vector, in PARAMS order (the training graph's `params` input). */
export function flattenParams(params: Params): Float32Array {
  const flat = new Float32Array(paramCount());
  let offset = 0;
  for (const p of PARAMS) {
    const values = params.get(p.name);
    if (!values) throw new Error(`missing parameter ${p.name}`);
    flat.set(values, offset);
    offset += values.length;
  }
  return flat;
}

/** Named views into a flat parameter vector. */
export function unflattenParams(flat: Float32Array): Params {
  const params: Params = new Map();
  let offset = 0;
  for (const p of PARAMS) {
    const size = numel(p.shape);
    params.set(p.name, flat.subarray(offset, offset + size));
    offset += size;
  }
  return params;
}
