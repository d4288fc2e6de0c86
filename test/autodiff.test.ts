// Every autodiff rule against central finite differences, on small random shapes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { Tape } from '../src/model/autodiff.js';
import { DataType, encodeModel, makeGraph, makeModel, makeValueInfo } from '../src/model/onnx-builder.js';
import { gradCheck, randomValues, type GradInput } from './helpers/gradcheck.js';

const input = (name: string, shape: number[], seed: number, gap = 0): GradInput => ({
  name,
  shape,
  values: randomValues(
    shape.reduce((a, b) => a * b, 1),
    seed,
    -1,
    1,
    gap,
  ),
});

// float32 forward passes: a step of 1e-2 keeps rounding error around 1e-4 and curvature error small.
const TOLERANCE = 5e-3;

function assertClose(results: Awaited<ReturnType<typeof gradCheck>>) {
  for (const r of results) {
    assert.ok(r.checked > 0);
    assert.ok(r.maxRelError < TOLERANCE, `d/d${r.name}: max error ${r.maxRelError.toExponential(2)} over ${r.checked} samples`);
  }
}

describe('autodiff rules match finite differences', () => {
  it('conv: dX, dW, db', async () => {
    const inputs = [input('x', [2, 3, 7, 6], 1), input('w', [4, 3, 3, 3], 2), input('b', [4], 3)];
    assertClose(await gradCheck(inputs, (t, [x, w, b]) => t.conv(x, w, b), [2, 4, 5, 4]));
  });

  it('conv with zero padding (unequal on each side): dX, dW, db', async () => {
    const inputs = [input('x', [2, 3, 1, 6], 21), input('w', [4, 3, 1, 3], 22), input('b', [4], 23)];
    assertClose(await gradCheck(inputs, (t, [x, w, b]) => t.conv(x, w, b, [0, 1, 0, 1]), [2, 4, 1, 6]));
    const square = [input('x', [2, 2, 5, 4], 24), input('w', [3, 2, 3, 3], 25), input('b', [3], 26)];
    assertClose(await gradCheck(square, (t, [x, w, b]) => t.conv(x, w, b, [1, 2, 0, 1]), [2, 3, 4, 5]));
  });

  it('max-pool 2×2: gradient to each window maximum', async () => {
    // Distinct values, so no window has a tie within ε.
    const values = Float32Array.from({ length: 2 * 3 * 6 * 4 }, (_, i) => ((i * 37) % 144) / 10 - 7);
    const inputs: GradInput[] = [{ name: 'x', shape: [2, 3, 6, 4], values }];
    assertClose(await gradCheck(inputs, (t, [x]) => t.maxPool2(x), [2, 3, 3, 2], { eps: 1e-2 }));
  });

  it('sigmoid', async () => {
    assertClose(await gradCheck([input('x', [3, 5], 4)], (t, [x]) => t.sigmoid(x), [3, 5]));
  });

  it('relu (away from the kink)', async () => {
    assertClose(await gradCheck([input('x', [3, 5], 5, 0.05)], (t, [x]) => t.relu(x), [3, 5]));
  });

  it('flatten', async () => {
    assertClose(await gradCheck([input('x', [2, 3, 2, 2], 6)], (t, [x]) => t.flatten(x), [2, 12]));
  });

  it('linear: dX, dW, db', async () => {
    const inputs = [input('x', [4, 6], 7), input('w', [3, 6], 8), input('b', [3], 9)];
    assertClose(await gradCheck(inputs, (t, [x, w, b]) => t.linear(x, w, b), [4, 3]));
  });

  /** Target rows for these labels: one-hot for a digit, ten tenths for "not a digit" (10), as the trainer writes them. */
  const targets = (labels: number[]) =>
    Float32Array.from(labels.flatMap((label) => Array.from({ length: 10 }, (_, c) => (label === 10 ? 1 / 10 : c === label ? 1 : 0))));

  it('softmax cross-entropy: d logits, for one-hot, uniform and soft targets', async () => {
    const soft = [0.05, 0.05, 0.1, 0.5, 0.1, 0.05, 0.05, 0.03, 0.04, 0.03];
    const target = Float32Array.from([...targets([3, 10, 9, 4]), ...soft]);
    const inputs = [
      { ...input('logits', [5, 10], 10), values: randomValues(50, 10, -3, 3) },
      { name: 'target', shape: [5, 10], values: target, fixed: true },
    ];
    assertClose(await gradCheck(inputs, (t, [z, y]) => t.softmaxCrossEntropy(z, y), []));
  });

  it('softmax cross-entropy: the loss is the mean of −Σ target × log softmax, least for a non-digit at ten equal probabilities', async () => {
    const labels = [3, 10, 9, 10, 10];
    const logits = randomValues(50, 19, -3, 3);
    const t = new Tape();
    t.rename(t.softmaxCrossEntropy('logits', 'target'), 'loss');
    const graph = makeGraph(
      t.nodes,
      'ce',
      [makeValueInfo('logits', DataType.FLOAT, [5, 10]), makeValueInfo('target', DataType.FLOAT, [5, 10])],
      [makeValueInfo('loss', DataType.FLOAT, [])],
      t.constants,
    );
    const session = await ort.InferenceSession.create(encodeModel(makeModel(graph)));
    const out = await session.run({
      logits: new ort.Tensor('float32', logits, [5, 10]),
      target: new ort.Tensor('float32', targets(labels), [5, 10]),
    });
    // −log p(label) for a digit; −(1/10) Σ log p(k) for a non-digit, whose least loss is at ten equal probabilities.
    const expected = labels.map((label, n) => {
      const z = Array.from(logits.subarray(n * 10, n * 10 + 10));
      const logSum = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      return label < 10 ? logSum - z[label] : logSum - z.reduce((s, v) => s + v, 0) / 10;
    });
    assert.ok(Math.abs((out.loss.data as Float32Array)[0] - expected.reduce((a, b) => a + b) / 5) < 1e-5);
    await session.release();
  });

  it("a value used twice (one weight shared by two layers) gets the sum of both paths' gradients", async () => {
    const inputs = [input('x', [4, 3], 16), input('w', [3, 3], 17), input('b', [3], 18)];
    assertClose(await gradCheck(inputs, (t, [x, w, b]) => t.linear(t.sigmoid(t.linear(x, w, b)), w, b), [4, 3]));
  });

  it('a composed chain (conv → relu → pool → flatten → linear) chains correctly', async () => {
    const inputs = [
      input('x', [2, 1, 8, 8], 11),
      input('w', [2, 1, 3, 3], 12),
      input('b', [2], 13),
      input('v', [4, 18], 14),
      input('c', [4], 15),
    ];
    const results = await gradCheck(
      inputs,
      (t, [x, w, b, v, c]) => t.linear(t.flatten(t.maxPool2(t.relu(t.conv(x, w, b)))), v, c),
      [2, 4],
      { eps: 1e-3, samples: 16 },
    );
    assertClose(results);
  });
});
