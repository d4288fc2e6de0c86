// Checks one autodiff rule against central finite differences, both run by ONNX Runtime on the same graph.
import * as ort from 'onnxruntime-node';
import { Tape, type Value } from '../../src/model/autodiff.js';
import { DataType, encodeModel, makeGraph, makeModel, makeValueInfo } from '../../src/model/onnx-builder.js';
import { createRng } from '../../src/model/random.js';

export interface GradInput {
  name: string;
  shape: number[];
  values: Float32Array;
  /** An input without a gradient (a loss's target): fed as it is, never nudged. */
  fixed?: boolean;
}

export interface GradCheckResult {
  name: string;
  maxAbsError: number;
  maxRelError: number;
  checked: number;
}

/**
 * Builds y = op(inputs) with a seeded dy, so the scalar L = Σ y·dy has dL/dx = the rule's output for each input.
 * Compares it with (L(x+ε) − L(x−ε)) / 2ε at `samples` random positions of each differentiable input.
 */
export async function gradCheck(
  inputs: GradInput[],
  op: (t: Tape, names: Value[]) => Value,
  outShape: number[],
  { eps = 1e-2, samples = 24, seed = 1 } = {},
): Promise<GradCheckResult[]> {
  const t = new Tape();
  const differentiable = inputs.filter((i) => !i.fixed);
  for (const i of differentiable) t.requireGrad(i.name);
  const out = op(
    t,
    inputs.map((i) => i.name),
  );
  t.backward(out, 'dy');
  const gradNames = differentiable.map((i) => {
    const g = t.gradOf(i.name);
    if (!g) throw new Error(`no gradient for ${i.name}`);
    return t.rename(t.op('Identity', [g]), `grad_${i.name}`);
  });
  t.rename(out, 'y'); // only after backward: rules refer to values by their names at emission
  const F = DataType.FLOAT;
  const graph = makeGraph(
    t.nodes,
    'gradcheck',
    [...inputs.map((i) => makeValueInfo(i.name, F, i.shape)), makeValueInfo('dy', F, outShape)],
    [makeValueInfo('y', F, outShape), ...differentiable.map((i, k) => makeValueInfo(gradNames[k], F, i.shape))],
    t.constants,
  );
  const session = await ort.InferenceSession.create(encodeModel(makeModel(graph)));

  const rng = createRng(seed);
  const dySize = outShape.reduce((a, b) => a * b, 1);
  const dy = Float32Array.from({ length: dySize }, () => rng() * 2 - 1);
  const feeds = (override?: GradInput): Record<string, ort.Tensor> => {
    const f: Record<string, ort.Tensor> = { dy: new ort.Tensor('float32', dy, outShape) };
    for (const i of inputs) {
      const v = override && override.name === i.name ? override.values : i.values;
      f[i.name] = new ort.Tensor('float32', v, i.shape);
    }
    return f;
  };
  const loss = async (override: GradInput) => {
    const out = await session.run(feeds(override), ['y']);
    const yv = out.y.data as Float32Array;
    let sum = 0;
    for (let k = 0; k < yv.length; k++) sum += yv[k] * dy[k];
    return sum;
  };

  const analytic = await session.run(feeds(), gradNames);
  const results: GradCheckResult[] = [];
  for (const [k, input] of differentiable.entries()) {
    const grad = analytic[gradNames[k]].data as Float32Array;
    let maxAbs = 0;
    let maxRel = 0;
    const n = Math.min(samples, input.values.length);
    for (let s = 0; s < n; s++) {
      const idx = Math.floor(rng() * input.values.length);
      const plus = Float32Array.from(input.values);
      const minus = Float32Array.from(input.values);
      plus[idx] += eps;
      minus[idx] -= eps;
      const numeric = ((await loss({ ...input, values: plus })) - (await loss({ ...input, values: minus }))) / (2 * eps);
      const abs = Math.abs(numeric - grad[idx]);
      maxAbs = Math.max(maxAbs, abs);
      maxRel = Math.max(maxRel, abs / Math.max(1, Math.abs(numeric)));
    }
    results.push({ name: input.name, maxAbsError: maxAbs, maxRelError: maxRel, checked: n });
  }
  await session.release();
  return results;
}

/** Uniform random values in [lo, hi), avoiding |v| < gap (keeps ReLU and max-pool kinks away from ±ε). */
export function randomValues(n: number, seed: number, lo = -1, hi = 1, gap = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => {
    let v: number;
    do v = lo + (hi - lo) * rng();
    while (Math.abs(v) < gap);
    return v;
  });
}
